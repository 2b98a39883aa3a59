#pragma once
// The mixture sequential probability ratio test (mSPRT; Robbins 1970, as Johari, Pekelis and
// Walsh use it for "always valid p-values", 2017). An estimate θ̂ of a difference, with
// variance V, is compared with "no difference" by the likelihood ratio averaged over a normal
// prior N(0, τ²) on the true difference:
//
//   Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))
//
// Under no difference, Λ over the looks is a martingale of mean 1, so by Ville's inequality
// the chance that it ever reaches 1/α — at any look, however many — is at most α. The
// running minimum of 1/Λ is therefore a p-value a canary may peek at every interval; a
// fixed-horizon test re-run at every look is not (its false alarms grow with the looks).
// τ sets where the test is most sensitive (differences around τ); it never changes validity.
namespace setpoint::canary {

// Λ for the estimate and its variance (1 when the variance is 0 or either is not a number:
// no evidence).
double mixture_likelihood_ratio(double estimate, double variance, double tau);

// The always-valid p-value after this look: the smaller of the last one and 1 / Λ.
double always_valid_p(double previous, double estimate, double variance, double tau);

}  // namespace setpoint::canary
