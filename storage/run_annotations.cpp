#include "storage/run_annotations.h"

#include <algorithm>
#include <set>

#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/sqlite_statement.h"
#include "storage/storage_error.h"
#include "storage/write_transaction.h"

namespace tb::storage {
namespace {

constexpr std::size_t longest_tag = 64;
constexpr std::size_t longest_note = 64 * 1024;

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::string trimmed(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const std::size_t last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::set<std::string> checked_tags(const std::vector<std::string>& tags) {
    std::set<std::string> checked;
    for (const std::string& tag : tags) checked.insert(checked_tag(tag));
    return checked;
}

void require_annotations(RunStore& store) {
    if (!store_has_annotations(store)) {
        throw StorageError("Run store '" + store.path().string() +
                           "': it is read in place at schema version 4 and has no tags or notes; open it once for "
                           "writing to upgrade it.");
    }
}

void write_tags(RunStore& store, std::int64_t run_id, const std::set<std::string>& tags) {
    WriteTransaction transaction(store.connection(), "tag the run");
    store.connection().execute("DELETE FROM run_tags WHERE run = " + std::to_string(run_id), "tag the run");
    for (const std::string& tag : tags) {
        SqliteStatement insert(store.connection(), "INSERT INTO run_tags (run, tag) VALUES (?1, ?2)", "tag the run");
        insert.bind_integer(1, run_id).bind_text(2, tag);
        insert.step();
    }
    transaction.commit();
}

}  // namespace

std::string checked_tag(const std::string& tag) {
    const std::string text = trimmed(tag);
    if (text.empty()) throw StorageError("a tag cannot be empty");
    if (text.size() > longest_tag) {
        throw StorageError("the tag '" + text.substr(0, 20) + "...' has " + std::to_string(text.size()) +
                           " characters; a tag has at most " + std::to_string(longest_tag));
    }
    if (std::any_of(text.begin(), text.end(), [](char c) { return is_control(static_cast<unsigned char>(c)); })) {
        throw StorageError("a tag cannot hold control characters");
    }
    if (text.find(',') != std::string::npos) {
        throw StorageError("the tag '" + text + "' holds a comma, which separates tags; use another character");
    }
    return text;
}

bool store_has_annotations(RunStore& store) {
    return store.connection().query_integer(
               "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('run_tags', 'run_notes')",
               "look for the tags and notes") == 2;
}

std::vector<std::string> run_tags(RunStore& store, std::int64_t run_id) {
    std::vector<std::string> tags;
    if (!store_has_annotations(store)) return tags;
    SqliteStatement query(store.connection(), "SELECT tag FROM run_tags WHERE run = ?1 ORDER BY tag", "read the tags");
    query.bind_integer(1, run_id);
    while (query.step()) tags.push_back(query.column_text(0));
    return tags;
}

void set_run_tags(RunStore& store, std::int64_t run_id, const std::vector<std::string>& tags) {
    const std::set<std::string> checked = checked_tags(tags);
    require_run(store, run_id);
    require_annotations(store);
    write_tags(store, run_id, checked);
}

void add_run_tags(RunStore& store, std::int64_t run_id, const std::vector<std::string>& tags) {
    std::set<std::string> merged = checked_tags(tags);
    for (std::string& tag : run_tags(store, run_id)) merged.insert(std::move(tag));
    require_run(store, run_id);
    require_annotations(store);
    write_tags(store, run_id, merged);
}

void remove_run_tags(RunStore& store, std::int64_t run_id, const std::vector<std::string>& tags) {
    const std::set<std::string> removed = checked_tags(tags);
    std::set<std::string> kept;
    for (std::string& tag : run_tags(store, run_id)) {
        if (!removed.contains(tag)) kept.insert(std::move(tag));
    }
    require_run(store, run_id);
    require_annotations(store);
    write_tags(store, run_id, kept);
}

std::string run_note(RunStore& store, std::int64_t run_id) {
    if (!store_has_annotations(store)) return {};
    SqliteStatement query(store.connection(), "SELECT note FROM run_notes WHERE run = ?1", "read the note");
    query.bind_integer(1, run_id);
    return query.step() ? query.column_text(0) : std::string();
}

void set_run_note(RunStore& store, std::int64_t run_id, const std::string& note) {
    if (note.size() > longest_note) {
        throw StorageError("the note has " + std::to_string(note.size()) + " bytes; a note has at most " +
                           std::to_string(longest_note));
    }
    if (std::any_of(note.begin(), note.end(), [](char c) {
            return is_control(static_cast<unsigned char>(c)) && c != '\n' && c != '\t' && c != '\r';
        })) {
        throw StorageError("a note cannot hold control characters other than line breaks and tabs");
    }
    require_run(store, run_id);
    require_annotations(store);
    WriteTransaction transaction(store.connection(), "write the note");
    if (trimmed(note).empty()) {
        store.connection().execute("DELETE FROM run_notes WHERE run = " + std::to_string(run_id), "write the note");
    } else {
        SqliteStatement upsert(store.connection(),
                               "INSERT INTO run_notes (run, note) VALUES (?1, ?2) "
                               "ON CONFLICT (run) DO UPDATE SET note = excluded.note",
                               "write the note");
        upsert.bind_integer(1, run_id).bind_text(2, note);
        upsert.step();
    }
    transaction.commit();
}

}  // namespace tb::storage
