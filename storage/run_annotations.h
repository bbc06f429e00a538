#pragma once
// What people add to a stored run after it ran: tags (short labels to find and group runs by, as
// experiment trackers have them) and one free-text note. The engine never writes them.
//
// A tag is trimmed and then must be 1 to 64 characters without control characters or commas (the
// command line lists tags with commas); a note is at most 64 KiB without control characters other than
// line breaks and tabs. Each rule's error says which it broke. A store of schema version 4, read where
// it cannot be migrated (read-only media), has no tags or notes and reads as having none.

#include <cstdint>
#include <string>
#include <vector>

namespace tb::storage {

class RunStore;

// The tag as stored (trimmed); throws StorageError saying what is wrong with it.
std::string checked_tag(const std::string& tag);

std::vector<std::string> run_tags(RunStore& store, std::int64_t run_id);  // sorted
// Replaces the run's tags (duplicates collapse). Throws StorageError for a missing run or a bad tag,
// changing nothing.
void set_run_tags(RunStore& store, std::int64_t run_id, const std::vector<std::string>& tags);
void add_run_tags(RunStore& store, std::int64_t run_id, const std::vector<std::string>& tags);
void remove_run_tags(RunStore& store, std::int64_t run_id, const std::vector<std::string>& tags);

std::string run_note(RunStore& store, std::int64_t run_id);  // "" when none
// An empty note removes it.
void set_run_note(RunStore& store, std::int64_t run_id, const std::string& note);

// Whether the store has the tables (false for a version 4 store read in place).
bool store_has_annotations(RunStore& store);

}  // namespace tb::storage
