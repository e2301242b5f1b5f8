-- An event's id is 64 bits from the CSPRNG (VerifyEvent.newEventID) and nothing looks an event up
-- by it: events are read by their request. Its unique index only checked uniqueness, and under
-- random keys every new event dirtied a leaf page of its own, one more WAL frame written and
-- checkpointed per message sent (BENCHMARKS.md, "The write path, sixth pass").
DROP INDEX index_verify_events_on_event_id;
