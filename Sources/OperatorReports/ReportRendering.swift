import Foundation
import RAGCore

/// Which parts of the gaps report to print.
public enum GapsSection: String, Sendable, Hashable, CaseIterable {
    /// The groups of gap questions, then the suggested alternate questions.
    case all
    /// The groups of gap questions (as JSONL: draft knowledge lines).
    case gaps
    /// The suggested alternate questions of existing entries.
    case alternates
}

/// JSON of a whole report: one object, keys sorted, dates as RFC 3339 with milliseconds.
public enum ReportJSON {
    public static func encode(_ report: some Encodable) throws -> String {
        String(decoding: try EventCoding.encode(report), as: UTF8.self)
    }
}

// MARK: - Gaps: table

extension GapsReport {
    /// What a person reads: a heading with the counts, the groups (at most `limit`, 0 for all) with their
    /// examples and closest entries, the suggested alternate questions, and what was skipped.
    public func table(section: GapsSection = .all, limit: Int = 0) -> String {
        var lines: [String] = []
        if let empty = emptyMessage {
            lines.append(empty)
        } else if section != .alternates {
            lines += groupLines(limit: limit)
        }
        if section != .gaps, answers > 0 {
            if !lines.isEmpty { lines.append("") }
            lines += alternateLines()
        }
        lines += footnotes()
        return lines.joined(separator: "\n")
    }

    /// The one line said instead of a report when there is nothing in scope; nil when there is.
    public var emptyMessage: String? {
        let scope = ReportScope(namespace: namespace, since: since)
        if answers == 0 {
            let read = recordsRead[Topics.answers] ?? 0
            return read == 0
                ? "No answers yet on \(Topics.answers): nothing to report. Ask some questions first (ragline ask, POST /v1/chat)."
                : "No answers \(scope.summary) (\(read) records on \(Topics.answers) are outside it): nothing to report."
        }
        return nil
    }

    func groupLines(limit: Int) -> [String] {
        let scope = ReportScope(namespace: namespace, since: since)
        let near = "less than \(Self.number(margin)) over its threshold"
        guard gaps > 0 else {
            if withoutQuestion > 0 { return ["No knowledge gaps to group \(scope.summary): the gap answers have no question record (below)."] }
            return ["No knowledge gaps \(scope.summary): none of the \(answers) answers was no_match or \(near)."]
        }
        let method: String
        if let model = grouping.embeddingModel {
            method = ", grouped by meaning with \(model) (\(grouping.linkage.rawValue) linkage, cosine distance at most \(Self.number(grouping.distance)))"
        } else if let fallback = grouping.fallback {
            method = ", grouping identical wordings only: \(fallback)"
        } else {
            method = ""
        }
        var lines = [
            "Knowledge gaps \(scope.summary)",
            "\(gaps) of \(answers) answers: \(noMatch) no_match, \(nearThreshold) answered \(near); \(groups.count) \(groups.count == 1 ? "group" : "groups")\(method).",
            "",
            "| # | asked | no_match | near | namespace | representative question | closest entry | confidence / threshold |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        let shown = limit > 0 ? Array(groups.prefix(limit)) : groups
        for group in shown {
            let closest = group.closestEntries.first
            let entry = closest.map { best in
                EntryKey(namespace: best.namespace, id: best.id).description + (best.question.map { " \"\(ReportFormat.cell($0, 40))\"" } ?? "")
            } ?? "-"
            let scores = closest.map { "\(ReportFormat.score($0.confidence)) / \(ReportFormat.score($0.threshold))" } ?? "-"
            lines.append(
                "| \(group.rank) | \(group.asked) | \(group.noMatch) | \(group.nearThreshold) | \(group.namespace ?? "-") | \(ReportFormat.cell(group.representative)) | \(entry) | \(scores) |"
            )
        }
        if shown.count < groups.count {
            lines.append("")
            lines.append("\(groups.count - shown.count) more groups, asked \(groups.dropFirst(shown.count).reduce(0) { $0 + $1.asked }) times in all (--limit 0 shows every group).")
        }
        let withExamples = shown.filter { $0.wordings > 1 }
        if !withExamples.isEmpty {
            lines += ["", "Wordings per group (times asked):"]
            for group in withExamples {
                let examples = group.examples.map { "\"\(QuestionText.short($0.question, 80))\" (\($0.asked))" }.joined(separator: ", ")
                let more = group.wordings > group.examples.count ? ", and \(group.wordings - group.examples.count) more" : ""
                lines.append("  \(group.rank). \(examples)\(more)")
            }
        }
        return lines
    }

    func alternateLines() -> [String] {
        guard !alternates.isEmpty else {
            return ["No alternate questions to suggest: no answer rated up was reached with a wording its entry does not know."]
        }
        var lines = [
            "Suggested alternate questions: customers reached these entries with other words and rated the answer up.",
            "",
            "| entry | entry question | alternate question | up | down |",
            "| --- | --- | --- | --- | --- |",
        ]
        for suggestion in alternates {
            let entry = EntryKey(namespace: suggestion.namespace, id: suggestion.id).description
            for alternate in suggestion.alternates {
                lines.append("| \(entry) | \(ReportFormat.cell(suggestion.question ?? "-", 40)) | \(ReportFormat.cell(alternate.question)) | \(alternate.up) | \(alternate.down) |")
            }
        }
        return lines
    }

    func footnotes() -> [String] {
        var lines: [String] = []
        if withoutQuestion > 0 {
            lines.append("\(withoutQuestion) gap \(withoutQuestion == 1 ? "answer has" : "answers have") no question record (asked before the topics' retention, or lost): not grouped.")
        }
        if grouping.ungrouped > 0 {
            lines.append("\(grouping.ungrouped) of the least asked wordings were not grouped by meaning (over the limit of wordings clustered).")
        }
        lines += ReportFootnotes.malformed(malformed, examples: malformedExamples)
        return lines.isEmpty ? [] : [""] + lines
    }

    static func number(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

// MARK: - Gaps: JSONL

extension GapsReport {
    /// Draft knowledge lines, one per group of gap questions (most asked first), then one line per entry
    /// with suggested alternate questions.
    ///
    /// A draft is a knowledge line with the representative question, the group's other wordings as
    /// `alternate_questions` (at most `maxAlternates`), and an empty `answer` and `context` for a person to
    /// write: the parser rejects a line whose answer is empty, so an unfinished draft can never go live.
    /// `suggestion`, `asked` and `draft_note` are for the person; the parser keeps unknown fields as the
    /// entry's metadata, so remove them before uploading. A suggestion line for an existing entry is not a
    /// knowledge line (it has no answer): merge its `alternate_questions` into the entry's line.
    public func jsonLines(section: GapsSection = .all, maxAlternates: Int = 10) -> [String] {
        var lines: [String] = []
        if section != .alternates {
            for group in groups {
                var fields: [(String, JSONLine.Value)] = [("id", .string(group.draftID))]
                if let namespace = group.namespace { fields.append(("namespace", .string(namespace))) }
                fields.append(("question", .string(group.representative)))
                let others = group.allWordings.dropFirst().prefix(max(0, maxAlternates)).map(\.question)
                if !others.isEmpty { fields.append(("alternate_questions", .strings(Array(others)))) }
                fields += [
                    ("answer", .string("")), ("context", .string("")), ("suggestion", .string("new_entry")),
                    ("asked", .int(group.asked)), ("draft_note", .string(draftNote(group))),
                ]
                lines.append(JSONLine.render(fields))
            }
        }
        if section != .gaps {
            for suggestion in alternates {
                var fields: [(String, JSONLine.Value)] = [("id", .string(suggestion.id))]
                if !suggestion.namespace.isEmpty { fields.append(("namespace", .string(suggestion.namespace))) }
                if let question = suggestion.question { fields.append(("question", .string(question))) }
                fields += [
                    ("alternate_questions", .strings(suggestion.alternates.map(\.question))),
                    ("suggestion", .string("alternate_questions")), ("upvotes", .int(suggestion.upvotes)),
                    ("draft_note", .string(
                        "Customers asked these and rated this entry's answer up (\(suggestion.upvotes) up). Add them to the entry's alternate_questions in its knowledge file and upload the file."
                    )),
                ]
                lines.append(JSONLine.render(fields))
            }
        }
        return lines
    }

    func draftNote(_ group: GapGroup) -> String {
        var note = "Asked \(group.asked) \(group.asked == 1 ? "time" : "times") (\(group.noMatch) no_match, \(group.nearThreshold) near the threshold), last \(ReportFormat.date(group.lastAsked))."
        if let closest = group.closestEntries.first {
            let entry = EntryKey(namespace: closest.namespace, id: closest.id).description
            let question = closest.question.map { " \"\(QuestionText.short($0, 80))\"" } ?? ""
            note += " Closest entry: \(entry)\(question), confidence \(ReportFormat.score(closest.confidence)) (threshold \(ReportFormat.score(closest.threshold)));"
                + " if it answers these questions, add them to its alternate_questions instead."
        }
        note += " Write the answer (and context), remove suggestion, asked and draft_note, then upload."
        return note
    }
}

// MARK: - Feedback: table

extension FeedbackReport {
    /// The one line said instead of a report when there is nothing in scope; nil when there is.
    public var emptyMessage: String? {
        guard answered == 0, ratings == 0 else { return nil }
        let scope = ReportScope(namespace: namespace, since: since)
        let answersRead = recordsRead[Topics.answers] ?? 0
        let feedbackRead = recordsRead[Topics.feedback] ?? 0
        if answersRead == 0, feedbackRead == 0 {
            return "No answers or feedback yet on \(Topics.answers) and \(Topics.feedback): nothing to report. Ratings arrive through POST /v1/questions/{id}/feedback."
        }
        return "No answered questions or ratings \(scope.summary): nothing to report."
    }

    /// What a person reads: a heading with the counts, one row per entry (at most `limit`, 0 for all),
    /// worst first, and what was skipped.
    public func table(limit: Int = 0) -> String {
        var lines: [String] = []
        if let empty = emptyMessage {
            lines.append(empty)
        } else {
            let scope = ReportScope(namespace: namespace, since: since)
            lines += [
                "Feedback \(scope.summary)",
                "\(ratings) \(ratings == 1 ? "rating" : "ratings") (\(up) up, \(down) down); \(answered) answered \(answered == 1 ? "question" : "questions") citing \(entries.count) \(entries.count == 1 ? "entry" : "entries").",
                "Worst first: the share of thumbs down, down / (up + down), then the most thumbs down"
                    + (minRatings > 1 ? "; entries with fewer than \(minRatings) ratings after the others." : "."),
                "",
                "| entry | question | cited | up | down | down share | latest comments |",
                "| --- | --- | --- | --- | --- | --- | --- |",
            ]
            let shown = limit > 0 ? Array(entries.prefix(limit)) : entries
            for entry in shown {
                let comments = entry.comments.isEmpty ? "-" : entry.comments.map {
                    "\($0.rating.rawValue): \"\(ReportFormat.cell($0.comment, 60))\" (\(ReportFormat.date($0.givenAt)))"
                }.joined(separator: "; ")
                lines.append(
                    "| \(EntryKey(namespace: entry.namespace, id: entry.id).description) | \(ReportFormat.cell(entry.question ?? "-", 50)) | \(entry.cited) | \(entry.up) | \(entry.down) | \(ReportFormat.percent(entry.downShare)) | \(comments) |"
                )
            }
            if shown.count < entries.count {
                lines += ["", "\(entries.count - shown.count) more entries (--limit 0 shows every entry)."]
            }
            if !unattributed.isEmpty {
                let parts = unattributed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.up) up, \($0.value.down) down" }
                lines += ["", "Ratings of answers that cite no entry to rate: \(parts.joined(separator: "; ")) (ragline gaps lists the questions without an answer)."]
            }
        }
        let notes = ReportFootnotes.malformed(malformed, examples: malformedExamples)
        if !notes.isEmpty { lines += [""] + notes }
        return lines.joined(separator: "\n")
    }
}

// MARK: - Shared

enum ReportFootnotes {
    /// "Skipped 3 malformed records: rag.answers 2 (first: not JSON), rag.feedback 1 (...)."
    static func malformed(_ counts: [String: Int], examples: [String: String]) -> [String] {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return [] }
        let parts = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { topic, count in
            "\(topic) \(count)" + (examples[topic].map { " (first: \(QuestionText.short($0, 100)))" } ?? "")
        }
        return ["Skipped \(total) malformed \(total == 1 ? "record" : "records"): \(parts.joined(separator: ", "))."]
    }
}

/// One JSON object on one line with its keys in the order given (a knowledge line reads best id first).
enum JSONLine {
    enum Value {
        case string(String)
        case strings([String])
        case int(Int)
    }

    static func render(_ fields: [(String, Value)]) -> String {
        "{" + fields.map { name, value in
            let rendered: String
            switch value {
            case .string(let text): rendered = JSONText.quoted(text)
            case .strings(let texts): rendered = "[" + texts.map(JSONText.quoted).joined(separator: ", ") + "]"
            case .int(let number): rendered = String(number)
            }
            return JSONText.quoted(name) + ": " + rendered
        }.joined(separator: ", ") + "}"
    }
}
