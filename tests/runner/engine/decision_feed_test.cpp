// The decision feed: what each reader gets after the last event it saw, a reader that fell
// behind the ring is told, and a closed feed wakes everyone.
#include "engine/decision_feed.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace setpoint::runner;
using namespace std::chrono_literals;

TEST_CASE("decision feed: readers get what came after their last event, in order") {
  DecisionFeed feed;
  CHECK(feed.last() == 0);
  auto none = feed.after(0, 0ms);
  CHECK(none.entries.empty());
  CHECK_FALSE(none.closed);
  feed.publish("{\"id\":1}");
  feed.publish("{\"id\":2}");
  feed.publish("{\"id\":1,\"outcome\":\"applied\"}");
  CHECK(feed.last() == 3);
  const auto all = feed.after(0, 0ms);
  REQUIRE(all.entries.size() == 3);
  CHECK(all.entries[0].seq == 1);
  CHECK(*all.entries[2].record == "{\"id\":1,\"outcome\":\"applied\"}");
  CHECK_FALSE(all.missed);
  const auto later = feed.after(2, 0ms);
  REQUIRE(later.entries.size() == 1);
  CHECK(later.entries[0].seq == 3);
  CHECK(feed.after(3, 0ms).entries.empty());
}

TEST_CASE("decision feed: a reader behind the ring is told it missed some") {
  DecisionFeed feed;
  for (std::size_t i = 0; i < DecisionFeed::kCapacity + 5; ++i) feed.publish("{}");
  const auto behind = feed.after(0, 0ms);
  CHECK(behind.missed);
  CHECK(behind.entries.size() == DecisionFeed::kCapacity);
  CHECK(behind.entries.front().seq == 6);
  CHECK_FALSE(feed.after(5, 0ms).missed);
}

TEST_CASE("decision feed: a waiting reader wakes for a new event, and when it is closed",
          "[concurrency]") {
  DecisionFeed feed;
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    feed.publish("{\"id\":7}");
  });
  const auto got = feed.after(0, 10s);
  writer.join();
  REQUIRE(got.entries.size() == 1);
  CHECK(*got.entries[0].record == "{\"id\":7}");
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    feed.close();
  });
  const auto closed = feed.after(1, 10s);
  closer.join();
  CHECK(closed.closed);
  CHECK(closed.entries.empty());
}

TEST_CASE("decision feed: an id from another feed is missed, answered from what it holds") {
  DecisionFeed feed;
  feed.publish("{\"id\":1}");
  feed.publish("{\"id\":2}");
  const auto restarted = feed.after(5000, 0ms);  // the last daemon's id
  CHECK(restarted.missed);
  REQUIRE(restarted.entries.size() == 2);
  CHECK(restarted.entries[0].seq == 1);
  CHECK(restarted.last == 2);
}

TEST_CASE("decision feed: batches and the ring are bounded in bytes, never by one record") {
  DecisionFeed feed;
  const std::string big(100u << 10, 'x');           // 100 KiB a record
  for (int i = 0; i < 400; ++i) feed.publish(big);  // 40 MiB published
  const auto first = feed.after(0, 0ms);
  CHECK(first.missed);  // the ring kept 32 MiB of it
  CHECK(first.entries.size() == DecisionFeed::kBatchBytes / big.size());  // 5 of them
  CHECK(first.entries.front().seq == 400 - DecisionFeed::kMaxBytes / big.size() + 1);
  DecisionFeed huge;
  huge.publish(std::string(DecisionFeed::kBatchBytes * 2, 'y'));
  CHECK(huge.after(0, 0ms).entries.size() == 1);  // one record at least
}
