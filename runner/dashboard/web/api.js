// The control plane's API as the page uses it: the token from this tab's session only, sent as
// a bearer header (never in a URL or a cookie). Every answer comes back with its status and
// the API's own message, for the page to show.
const KEY = "setpoint.token";

export function token() { return sessionStorage.getItem(KEY) || ""; }
export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY);
}

function headers(extra, override) {
  const h = new Headers(extra || {});
  const t = override !== undefined ? override : token();
  if (t) h.set("Authorization", "Bearer " + t);
  return h;
}

export async function get(path) {
  const res = await fetch(path, { headers: headers(), cache: "no-store" });
  return answer(res);
}

export async function post(path, body, withToken) {
  const res = await fetch(path, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }, withToken),
    body: JSON.stringify(body || {}),
  });
  return answer(res);
}

async function answer(res) {
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  const error = !res.ok ? (data && data.error ? data.error : text || res.statusText) : null;
  return { ok: res.ok, status: res.status, data, error };
}

// The decisions as they happen: server-sent events read with fetch (EventSource cannot send
// a bearer header). Each stream ends by itself; it is asked again from the last id seen.
export function follow(path, onevent, signal) {
  let last = null;
  const once = async () => {
    const url = path + (last !== null ? (path.includes("?") ? "&" : "?") + "after=" + last : "");
    const res = await fetch(url, { headers: headers(), signal, cache: "no-store" });
    if (!res.ok || !res.body) throw new Error("the stream answered " + res.status);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let id = null, event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) id = line.slice(4);
          else if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (id !== null) last = id;
        if (data) onevent(event, data);
      }
    }
  };
  (async () => {
    while (!signal.aborted) {
      try { await once(); } catch (e) { if (signal.aborted) return; }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
}
