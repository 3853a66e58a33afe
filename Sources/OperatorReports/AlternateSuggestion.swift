import Foundation
import RAGCore

/// A wording customers used to reach an entry, with how they rated the answer it gave.
public struct SuggestedAlternate: Sendable, Hashable, Codable {
    public var question: String
    public var up: Int
    public var down: Int

    public init(question: String, up: Int, down: Int) {
        self.question = question
        self.up = up
        self.down = down
    }
}

/// Alternate questions for an existing entry (Azure's active-learning suggestions): wordings that reached
/// the entry, differ from every wording it is known by, and whose answers customers rated up more often
/// than down.
public struct AlternateSuggestion: Sendable, Hashable, Codable {
    public var namespace: String
    public var id: String
    /// The entry's own question, when an event carried it.
    public var question: String?
    /// Most up-voted first.
    public var alternates: [SuggestedAlternate]

    enum CodingKeys: String, CodingKey {
        case namespace, id, question, alternates = "alternate_questions"
    }

    public var upvotes: Int { alternates.reduce(0) { $0 + $1.up } }

    /// The suggestions of the ratings in scope: each `up` or `down` of an `answered` answer counts for its
    /// first reference (the entry that answered), with the question as the customer asked it. A wording is
    /// suggested when it has at least `minUpvotes` ups, more ups than downs, and is neither the entry's
    /// question nor one of its alternates seen matching (all compared normalised). Entries with the most
    /// up-votes come first.
    public static func suggest(_ events: ReportEvents, scope: ReportScope, minUpvotes: Int) -> [AlternateSuggestion] {
        struct Tally {
            var up = 0
            var down = 0
            var forms: [String] = []
        }
        var tallies: [EntryKey: [String: Tally]] = [:]
        for (id, given) in events.feedback {
            guard given.status == .answered, scope.includes(given.givenAt), let entry = given.references.first, !entry.id.isEmpty,
                  scope.includes(namespace: entry.namespace),
                  let asked = events.questionText(id) else { continue }
            let key = EntryKey(namespace: entry.namespace, id: entry.id)
            let normalized = QuestionText.normalized(asked)
            guard !normalized.isEmpty, normalized != QuestionText.normalized(entry.question),
                  !(events.knownWordings[key]?.contains(normalized) ?? false) else { continue }
            var tally = tallies[key]?[normalized] ?? Tally()
            switch given.rating {
            case .up: tally.up += 1
            case .down: tally.down += 1
            }
            tally.forms.append(asked)
            tallies[key, default: [:]][normalized] = tally
        }
        var suggestions: [AlternateSuggestion] = []
        for (key, wordings) in tallies {
            let alternates = wordings.values
                .filter { $0.up >= max(1, minUpvotes) && $0.up > $0.down }
                .map { SuggestedAlternate(question: GapsReport.displayForm($0.forms), up: $0.up, down: $0.down) }
                .sorted { ($1.up, $0.down, $0.question) < ($0.up, $1.down, $1.question) }
            guard !alternates.isEmpty else { continue }
            suggestions.append(AlternateSuggestion(
                namespace: key.namespace, id: key.id, question: events.entryQuestions[key], alternates: alternates
            ))
        }
        return suggestions.sorted { ($1.upvotes, $0.namespace, $0.id) < ($0.upvotes, $1.namespace, $1.id) }
    }
}
