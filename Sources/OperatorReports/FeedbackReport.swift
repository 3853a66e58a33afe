import Foundation
import RAGCore

/// A customer's comment on an answer that cited an entry.
public struct FeedbackComment: Sendable, Hashable, Codable {
    public var rating: FeedbackGiven.Rating
    public var comment: String
    public var questionID: String
    /// The question as the customer asked it, when a record carried it.
    public var question: String?
    public var givenAt: Date

    enum CodingKeys: String, CodingKey {
        case rating, comment, questionID = "question_id", question, givenAt = "given_at"
    }
}

/// What customers made of one entry's answers.
public struct EntryFeedback: Sendable, Hashable, Codable {
    public var namespace: String
    public var id: String
    /// The entry's question, when an event carried it.
    public var question: String?
    /// `answered` answers that cited it (listed it among their references).
    public var cited: Int
    public var up: Int
    public var down: Int
    /// The latest comments, newest first.
    public var comments: [FeedbackComment]
    public var lastRatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case namespace, id, question, cited, up, down, downShare = "down_share", comments, lastRatedAt = "last_rated_at"
    }

    public var ratings: Int { up + down }

    /// down / (up + down): the share of its ratings that are thumbs down; nil when it has none.
    public var downShare: Double? {
        ratings > 0 ? Double(down) / Double(ratings) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(namespace, forKey: .namespace)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(question, forKey: .question)
        try container.encode(cited, forKey: .cited)
        try container.encode(up, forKey: .up)
        try container.encode(down, forKey: .down)
        try container.encodeIfPresent(downShare, forKey: .downShare)
        try container.encode(comments, forKey: .comments)
        try container.encodeIfPresent(lastRatedAt, forKey: .lastRatedAt)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        namespace = try container.decode(String.self, forKey: .namespace)
        id = try container.decode(String.self, forKey: .id)
        question = try container.decodeIfPresent(String.self, forKey: .question)
        cited = try container.decode(Int.self, forKey: .cited)
        up = try container.decode(Int.self, forKey: .up)
        down = try container.decode(Int.self, forKey: .down)
        comments = try container.decode([FeedbackComment].self, forKey: .comments)
        lastRatedAt = try container.decodeIfPresent(Date.self, forKey: .lastRatedAt)
    }

    public init(namespace: String, id: String, question: String?, cited: Int = 0, up: Int = 0, down: Int = 0, comments: [FeedbackComment] = [], lastRatedAt: Date? = nil) {
        self.namespace = namespace
        self.id = id
        self.question = question
        self.cited = cited
        self.up = up
        self.down = down
        self.comments = comments
        self.lastRatedAt = lastRatedAt
    }
}

/// Ratings of answers that cite no entry to rate: `no_match`, `clarify`, `failed`, `expired`.
public struct UnattributedRatings: Sendable, Hashable, Codable {
    public var up: Int
    public var down: Int

    public init(up: Int = 0, down: Int = 0) {
        self.up = up
        self.down = down
    }
}

/// What `ragline feedback-report` builds the report with.
public struct FeedbackOptions: Sendable, Hashable {
    public var scope: ReportScope
    /// Comments kept per entry, newest first.
    public var comments = 3
    /// Entries with fewer ratings than this come after every entry with enough, whatever their ratio.
    public var minRatings = 1
    public var now: Date

    public init(scope: ReportScope = ReportScope(), now: Date = Date()) {
        self.scope = scope
        self.now = now
    }
}

/// `ragline feedback-report`: per entry, how often answers cited it, thumbs up and down, and the latest
/// comments, worst first.
///
/// Order: entries with at least `minRatings` ratings first, then those with fewer, then those never rated;
/// within each, the highest share of thumbs down (down / (up + down)) first, then the most thumbs down
/// (more evidence of the same share), the most ratings, the most cited, and the namespace and id.
public struct FeedbackReport: Sendable, Hashable, Codable {
    public var generatedAt: Date
    public var since: Date?
    public var namespace: String?
    public var minRatings: Int
    /// `answered` answers in scope.
    public var answered: Int
    /// Ratings in scope (each question's latest), and how many were up and down.
    public var ratings: Int
    public var up: Int
    public var down: Int
    /// Ratings of answers that cite no entry to rate, by the answer's status.
    public var unattributed: [String: UnattributedRatings]
    public var entries: [EntryFeedback]
    public var recordsRead: [String: Int]
    public var malformed: [String: Int]
    public var malformedExamples: [String: String]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at", since, namespace, minRatings = "min_ratings", answered, ratings, up, down, unattributed, entries
        case recordsRead = "records_read", malformed, malformedExamples = "malformed_examples"
    }

    public var malformedTotal: Int { malformed.values.reduce(0, +) }

    /// Builds the report: each `answered` answer in scope counts once for every entry among its references
    /// (`cited`); each rating in scope of an `answered` answer counts for every entry among the references
    /// it carries; ratings of other answers are counted by status in `unattributed`.
    public static func build(_ events: ReportEvents, options: FeedbackOptions) -> FeedbackReport {
        let scope = options.scope
        var entries: [EntryKey: EntryFeedback] = [:]
        func entry(_ reference: AnswerReference) -> EntryKey {
            let key = EntryKey(namespace: reference.namespace, id: reference.id)
            if entries[key] == nil {
                entries[key] = EntryFeedback(namespace: key.namespace, id: key.id, question: events.entryQuestions[key] ?? reference.question)
            }
            return key
        }

        var answered = 0
        for (id, answer) in events.answers where answer.status == .answered && scope.includes(answer.answeredAt) {
            let cited = Set(answer.references.filter { !$0.id.isEmpty && scope.includes(namespace: $0.namespace) }.map { entry($0) })
            let asked = events.questions[id]
            if !cited.isEmpty || scope.includes(namespace: GapsReport.namespace(of: answer, question: asked)) { answered += 1 }
            for key in cited { entries[key]?.cited += 1 }
        }

        var ratings = 0, up = 0, down = 0
        var unattributed: [String: UnattributedRatings] = [:]
        var comments: [EntryKey: [FeedbackComment]] = [:]
        for (id, given) in events.feedback where scope.includes(given.givenAt) {
            let rated = given.status == .answered
                ? Set(given.references.filter { !$0.id.isEmpty && scope.includes(namespace: $0.namespace) }.map { entry($0) })
                : []
            if rated.isEmpty {
                let namespace = events.questions[id]?.namespace ?? given.references.first?.namespace
                guard scope.includes(namespace: namespace) else { continue }
                var tally = unattributed[given.status.rawValue] ?? UnattributedRatings()
                if given.rating == .up { tally.up += 1 } else { tally.down += 1 }
                unattributed[given.status.rawValue] = tally
            }
            ratings += 1
            if given.rating == .up { up += 1 } else { down += 1 }
            let text = given.comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            for key in rated {
                if given.rating == .up { entries[key]?.up += 1 } else { entries[key]?.down += 1 }
                let lastRatedAt = entries[key]?.lastRatedAt ?? given.givenAt
                entries[key]?.lastRatedAt = max(lastRatedAt, given.givenAt)
                if !text.isEmpty {
                    comments[key, default: []].append(FeedbackComment(
                        rating: given.rating, comment: text, questionID: given.questionID, question: events.questionText(id), givenAt: given.givenAt
                    ))
                }
            }
        }
        for (key, list) in comments {
            entries[key]?.comments = Array(list.sorted { ($0.givenAt, $0.questionID) > ($1.givenAt, $1.questionID) }.prefix(max(0, options.comments)))
        }

        let minRatings = max(1, options.minRatings)
        func tier(_ entry: EntryFeedback) -> Int {
            entry.ratings >= minRatings ? 0 : entry.ratings > 0 ? 1 : 2
        }
        let ordered = entries.values.sorted { a, b in
            if tier(a) != tier(b) { return tier(a) < tier(b) }
            if (a.downShare ?? -1) != (b.downShare ?? -1) { return (a.downShare ?? -1) > (b.downShare ?? -1) }
            if a.down != b.down { return a.down > b.down }
            if a.ratings != b.ratings { return a.ratings > b.ratings }
            if a.cited != b.cited { return a.cited > b.cited }
            return (a.namespace, a.id) < (b.namespace, b.id)
        }
        return FeedbackReport(
            generatedAt: options.now, since: scope.since, namespace: scope.namespace, minRatings: minRatings, answered: answered,
            ratings: ratings, up: up, down: down, unattributed: unattributed, entries: ordered,
            recordsRead: events.recordsRead, malformed: events.malformed, malformedExamples: events.malformedExample
        )
    }
}
