import Foundation
import RAGCore

/// Why a question is a knowledge gap.
public enum GapKind: String, Sendable, Hashable, Codable {
    /// No entry was close enough: the customer got the fallback text.
    case noMatch = "no_match"
    /// Answered (or "did you mean"), but with a confidence less than the margin over the threshold.
    case nearThreshold = "near_threshold"
}

/// One of the closest entries to a gap question, as the answer's diagnostics ranked them.
public struct GapCandidate: Sendable, Hashable, Codable {
    public var id: String
    public var namespace: String
    /// The entry's question, when an event carried it.
    public var question: String?
    /// The fused score the ranking used.
    public var score: Double
    /// The best cosine of the candidate's answer group: what the threshold is compared with.
    public var confidence: Double

    public init(id: String, namespace: String, question: String?, score: Double, confidence: Double) {
        self.id = id
        self.namespace = namespace
        self.question = question
        self.score = score
        self.confidence = confidence
    }
}

/// A question that the knowledge base could not answer, or only just.
public struct GapQuestion: Sendable, Hashable, Codable {
    public var questionID: String
    public var question: String
    /// The namespace asked, else the best candidate's.
    public var namespace: String?
    public var kind: GapKind
    public var status: String
    /// The decision's reason, from the answer's diagnostics.
    public var reason: String?
    public var threshold: Double?
    /// The best candidate's confidence (cosine).
    public var confidence: Double?
    /// The closest entries, best first (at most three).
    public var candidates: [GapCandidate]
    public var askedAt: Date
    public var answeredAt: Date

    enum CodingKeys: String, CodingKey {
        case questionID = "question_id", question, namespace, kind, status, reason, threshold, confidence, candidates
        case askedAt = "asked_at", answeredAt = "answered_at"
    }
}

/// A wording of a question and how often it was asked.
public struct Wording: Sendable, Hashable, Codable {
    public var question: String
    public var asked: Int

    public init(question: String, asked: Int) {
        self.question = question
        self.asked = asked
    }
}

/// An existing entry close to a group of gap questions.
public struct ClosestEntry: Sendable, Hashable, Codable {
    public var id: String
    public var namespace: String
    public var question: String?
    /// The best confidence (cosine) any question of the group had with it.
    public var confidence: Double
    /// The threshold of the answer where it had that confidence.
    public var threshold: Double?
    /// How many of the group's questions had it as their best candidate.
    public var best: Int
}

/// Gap questions that mean the same thing, ranked by how often they were asked.
public struct GapGroup: Sendable, Hashable, Codable {
    /// 1 for the most asked group.
    public var rank: Int
    /// Questions in the group (each question id once).
    public var asked: Int
    public var noMatch: Int
    public var nearThreshold: Int
    /// The wording closest to the group's meaning, weighted by how often each wording was asked.
    public var representative: String
    /// The group's most common namespace.
    public var namespace: String?
    /// Questions per namespace (`""`: unknown).
    public var namespaces: [String: Int]
    /// Distinct wordings (case, spacing and closing punctuation ignored).
    public var wordings: Int
    /// The representative first, then the most asked other wordings.
    public var examples: [Wording]
    /// Every wording of the group, most asked first.
    public var allWordings: [Wording]
    /// The existing entries closest to the group, closest first (at most three).
    public var closestEntries: [ClosestEntry]
    public var firstAsked: Date
    public var lastAsked: Date
    /// The id a draft entry for this group gets: stable across runs for the same representative question.
    public var draftID: String
    public var questions: [GapQuestion]

    enum CodingKeys: String, CodingKey {
        case rank, asked, noMatch = "no_match", nearThreshold = "near_threshold", representative, namespace, namespaces, wordings, examples
        case allWordings = "all_wordings", closestEntries = "closest_entries", firstAsked = "first_asked", lastAsked = "last_asked"
        case draftID = "draft_id", questions
    }
}

/// How the questions were grouped.
public struct GapGrouping: Sendable, Hashable, Codable {
    /// The embedder's model, or nil when only identical wordings were grouped.
    public var embeddingModel: String?
    public var linkage: Linkage
    public var distance: Double
    /// Why only identical wordings were grouped, when they were.
    public var fallback: String?
    /// Wordings beyond `GapsOptions.maxWordings` (the least asked), each left a group of its own.
    public var ungrouped: Int

    enum CodingKeys: String, CodingKey {
        case embeddingModel = "embedding_model", linkage, distance, fallback, ungrouped
    }
}

/// What `ragline gaps` builds the report with.
public struct GapsOptions: Sendable, Hashable {
    public var scope: ReportScope
    /// See `OperatorReportsConfiguration.gapsMargin`.
    public var margin: Double
    public var clustering: AgglomerativeClustering
    /// Wordings shown per group (the representative included).
    public var examples = 3
    /// Closest entries kept per group.
    public var closestEntries = 3
    /// Distinct wordings embedded and clustered, most asked first; the rest stay groups of their own
    /// (the distance matrix holds the square of this many floats).
    public var maxWordings = 2_000
    /// Up-votes a wording needs to be suggested as an alternate question.
    public var minUpvotes = 1
    /// When the report is made.
    public var now: Date

    public init(
        scope: ReportScope = ReportScope(), margin: Double = OperatorReportsConfiguration.default.gapsMargin,
        clustering: AgglomerativeClustering = AgglomerativeClustering(distanceThreshold: OperatorReportsConfiguration.default.gapsClusterDistance),
        now: Date = Date()
    ) {
        self.scope = scope
        self.margin = margin
        self.clustering = clustering
        self.now = now
    }
}

/// The embedder could not be used to group the questions.
public struct GapsReportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `ragline gaps`: the questions the knowledge base could not answer (or only just), grouped by meaning and
/// ranked by how often they were asked, with the closest existing entries; and the alternate questions
/// customers used to reach entries whose answers they rated up.
public struct GapsReport: Sendable, Hashable, Codable {
    public var generatedAt: Date
    public var since: Date?
    public var namespace: String?
    public var margin: Double
    public var grouping: GapGrouping
    /// Answers in scope, and how many of each status.
    public var answers: Int
    public var statuses: [String: Int]
    /// Gap questions grouped (each question id once).
    public var gaps: Int
    public var noMatch: Int
    public var nearThreshold: Int
    /// Gap answers whose question text no record carried (asked before the topics' retention, or lost).
    public var withoutQuestion: Int
    public var groups: [GapGroup]
    public var alternates: [AlternateSuggestion]
    public var recordsRead: [String: Int]
    public var malformed: [String: Int]
    public var malformedExamples: [String: String]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at", since, namespace, margin, grouping, answers, statuses, gaps, noMatch = "no_match"
        case nearThreshold = "near_threshold", withoutQuestion = "without_question", groups, alternates, recordsRead = "records_read"
        case malformed, malformedExamples = "malformed_examples"
    }

    public var malformedTotal: Int { malformed.values.reduce(0, +) }

    /// The namespace a question was asked in, else the one its best candidate or reference came from.
    static func namespace(of answer: AnswerReady, question: QuestionAsked?) -> String? {
        question?.namespace ?? answer.diagnostics?.candidates.first?.namespace ?? answer.references.first?.namespace
    }

    /// The answers in scope, and the gap questions among them, oldest first: every `no_match`, and every
    /// `answered` or `clarify` whose best candidate's confidence is less than `margin` over its threshold.
    /// Gaps whose question text is unknown are counted in `withoutQuestion` instead.
    public static func selectGaps(_ events: ReportEvents, scope: ReportScope, margin: Double) -> (answers: [AnswerReady], gaps: [GapQuestion], withoutQuestion: Int) {
        var inScope: [AnswerReady] = []
        var gaps: [GapQuestion] = []
        var withoutQuestion = 0
        for (id, answer) in events.answers {
            let asked = events.questions[id]
            let namespace = Self.namespace(of: answer, question: asked)
            guard scope.includes(answer.answeredAt), scope.includes(namespace: namespace) else { continue }
            inScope.append(answer)
            let diagnostics = answer.diagnostics
            let best = diagnostics?.candidates.first
            let kind: GapKind
            if answer.status == .noMatch {
                kind = .noMatch
            } else if answer.status == .answered || answer.status == .clarify, margin > 0, let best, let threshold = diagnostics?.threshold,
                      best.dense < threshold + margin {
                kind = .nearThreshold
            } else {
                continue
            }
            guard let question = asked?.question, !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                withoutQuestion += 1
                continue
            }
            let candidates = (diagnostics?.candidates ?? []).prefix(3).map {
                GapCandidate(
                    id: $0.id, namespace: $0.namespace, question: events.entryQuestions[EntryKey(namespace: $0.namespace, id: $0.id)],
                    score: $0.score, confidence: $0.dense
                )
            }
            gaps.append(GapQuestion(
                questionID: answer.id, question: question, namespace: namespace, kind: kind, status: answer.status.rawValue,
                reason: diagnostics?.reason, threshold: diagnostics?.threshold, confidence: best?.dense, candidates: Array(candidates),
                askedAt: answer.askedAt, answeredAt: answer.answeredAt
            ))
        }
        gaps.sort { ($0.answeredAt, $0.questionID) < ($1.answeredAt, $1.questionID) }
        return (inScope, gaps, withoutQuestion)
    }

    /// The gap questions of `events` and their distinct wordings, before any grouping by meaning.
    struct Prepared {
        var answers: [AnswerReady]
        var gaps: [GapQuestion]
        var withoutQuestion: Int
        /// Distinct wordings (normalised), most asked first, with the gaps (indices) of each.
        var wordings: [(key: String, gaps: [Int])]
        /// The form of each wording shown.
        var displayed: [String]
        /// How many of the first wordings are grouped by meaning; the rest stay alone.
        var clustered: Int
    }

    static func prepare(_ events: ReportEvents, options: GapsOptions) -> Prepared {
        let (answers, gaps, withoutQuestion) = selectGaps(events, scope: options.scope, margin: options.margin)
        var byWording: [String: [Int]] = [:]
        for (index, gap) in gaps.enumerated() {
            let normalized = QuestionText.normalized(gap.question)
            byWording[normalized.isEmpty ? gap.question : normalized, default: []].append(index)
        }
        let wordings: [(key: String, gaps: [Int])] = byWording.map { (key: $0.key, gaps: $0.value) }
            .sorted { ($1.gaps.count, $0.key) < ($0.gaps.count, $1.key) }
        let displayed = wordings.map { Self.displayForm($0.gaps.map { gaps[$0].question }) }
        return Prepared(
            answers: answers, gaps: gaps, withoutQuestion: withoutQuestion, wordings: wordings, displayed: displayed,
            clustered: min(wordings.count, max(1, options.maxWordings))
        )
    }

    /// Builds the report, grouping the distinct wordings by meaning: embedded with `embedder` and
    /// clustered. Throws only when the embedder fails; build without it then.
    public static func build(_ events: ReportEvents, options: GapsOptions, embedder: any Embedder) async throws -> GapsReport {
        let prepared = prepare(events, options: options)
        var vectors: [[Float]] = []
        if prepared.clustered > 1 {
            vectors = try await embed(Array(prepared.displayed.prefix(prepared.clustered)), with: embedder)
        }
        return assemble(prepared, events: events, options: options, vectors: vectors, embeddingModel: embedder.modelID, fallback: nil)
    }

    /// Builds the report without an embedder: only wordings that are the same text (case, spacing and
    /// closing punctuation ignored) are grouped. `fallback` says why, when an embedder was wanted.
    public static func build(_ events: ReportEvents, options: GapsOptions, fallback: String? = nil) -> GapsReport {
        assemble(prepare(events, options: options), events: events, options: options, vectors: [], embeddingModel: nil, fallback: fallback)
    }

    static func assemble(_ prepared: Prepared, events: ReportEvents, options: GapsOptions, vectors: [[Float]], embeddingModel: String?, fallback: String?) -> GapsReport {
        let (gaps, wordings, displayed, clustered) = (prepared.gaps, prepared.wordings, prepared.displayed, prepared.clustered)
        var clusters: [[Int]] = vectors.isEmpty
            ? (0..<clustered).map { [$0] }
            : options.clustering.clusters(of: vectors)
        clusters += (clustered..<wordings.count).map { [$0] }

        var groups: [GapGroup] = []
        for members in clusters {
            let counts = members.map { wordings[$0].gaps.count }
            let representative = Self.representative(members, counts: counts, vectors: vectors, texts: displayed)
            let ordered = zip(members, counts).sorted { ($1.1, displayed[$0.0]) < ($0.1, displayed[$1.0]) }
            var all = ordered.map { Wording(question: displayed[$0.0], asked: $0.1) }
            if let index = all.firstIndex(where: { $0.question == displayed[representative] }) {
                let moved = all.remove(at: index)
                all.insert(moved, at: 0)
            }
            let questions = members.flatMap { wordings[$0].gaps.map { gaps[$0] } }.sorted { ($0.answeredAt, $0.questionID) < ($1.answeredAt, $1.questionID) }
            var namespaces: [String: Int] = [:]
            for question in questions { namespaces[question.namespace ?? "", default: 0] += 1 }
            let namespace = namespaces.filter { !$0.key.isEmpty }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.first?.key
            groups.append(GapGroup(
                rank: 0, asked: questions.count,
                noMatch: questions.count(where: { $0.kind == .noMatch }), nearThreshold: questions.count(where: { $0.kind == .nearThreshold }),
                representative: displayed[representative], namespace: namespace, namespaces: namespaces, wordings: members.count,
                examples: Array(all.prefix(max(1, options.examples))), allWordings: all,
                closestEntries: Self.closestEntries(questions, limit: options.closestEntries),
                firstAsked: questions.map(\.askedAt).min() ?? options.now, lastAsked: questions.map(\.askedAt).max() ?? options.now,
                draftID: Self.draftID(representative: displayed[representative], namespace: namespace), questions: questions
            ))
        }
        groups.sort { ($1.asked, $1.wordings, $1.lastAsked, $0.representative) < ($0.asked, $0.wordings, $0.lastAsked, $1.representative) }
        for index in groups.indices { groups[index].rank = index + 1 }

        var statuses: [String: Int] = [:]
        for answer in prepared.answers { statuses[answer.status.rawValue, default: 0] += 1 }
        return GapsReport(
            generatedAt: options.now, since: options.scope.since, namespace: options.scope.namespace, margin: options.margin,
            grouping: GapGrouping(
                embeddingModel: embeddingModel, linkage: options.clustering.linkage, distance: options.clustering.distanceThreshold,
                fallback: fallback, ungrouped: wordings.count - clustered
            ),
            answers: prepared.answers.count, statuses: statuses, gaps: gaps.count,
            noMatch: gaps.count(where: { $0.kind == .noMatch }), nearThreshold: gaps.count(where: { $0.kind == .nearThreshold }),
            withoutQuestion: prepared.withoutQuestion, groups: groups,
            alternates: AlternateSuggestion.suggest(events, scope: options.scope, minUpvotes: options.minUpvotes),
            recordsRead: events.recordsRead, malformed: events.malformed, malformedExamples: events.malformedExample
        )
    }

    /// The form of a wording shown: the one most often typed, the first in order on a tie.
    static func displayForm(_ forms: [String]) -> String {
        var counts: [String: Int] = [:]
        for form in forms { counts[form.trimmingCharacters(in: .whitespacesAndNewlines), default: 0] += 1 }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.first?.key ?? ""
    }

    /// Unit vectors of `texts`, embedded as queries in batches of 64.
    static func embed(_ texts: [String], with embedder: any Embedder) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(texts.count, start + 64)])
            let embedded = try await embedder.embed(batch, kind: .query)
            guard embedded.count == batch.count else {
                throw GapsReportError("the embedder \(embedder.modelID) returned \(embedded.count) vectors for \(batch.count) questions")
            }
            vectors += embedded.map(VectorMath.normalized)
            start += batch.count
        }
        if let dimensions = vectors.first?.count, vectors.contains(where: { $0.count != dimensions }) {
            throw GapsReportError("the embedder \(embedder.modelID) returned vectors of different sizes")
        }
        return vectors
    }

    /// The member (a wording index) closest to all the others, each weighted by how often it was asked:
    /// the weighted medoid by cosine. Without vectors, the most asked. Ties: more asked, then the text.
    static func representative(_ members: [Int], counts: [Int], vectors: [[Float]], texts: [String]) -> Int {
        guard members.count > 1 else { return members[0] }
        var best = members[0]
        var bestKey: (Double, Int) = (-.infinity, 0)
        for (position, member) in members.enumerated() {
            var centrality = 0.0
            if !vectors.isEmpty {
                for (other, count) in zip(members, counts) {
                    centrality += Double(count) * Double(VectorMath.dot(vectors[member], vectors[other]))
                }
            }
            let key = (centrality, counts[position])
            if key > bestKey || (key == bestKey && texts[member] < texts[best]) {
                best = member
                bestKey = key
            }
        }
        return best
    }

    /// The entries closest to the questions: each candidate entry with the best confidence any question
    /// had with it, closest first.
    static func closestEntries(_ questions: [GapQuestion], limit: Int) -> [ClosestEntry] {
        var entries: [EntryKey: ClosestEntry] = [:]
        for question in questions {
            for (rank, candidate) in question.candidates.enumerated() {
                let key = EntryKey(namespace: candidate.namespace, id: candidate.id)
                var entry = entries[key] ?? ClosestEntry(
                    id: candidate.id, namespace: candidate.namespace, question: candidate.question, confidence: -.infinity, threshold: nil, best: 0
                )
                if candidate.confidence > entry.confidence {
                    entry.confidence = candidate.confidence
                    entry.threshold = question.threshold
                }
                if entry.question == nil { entry.question = candidate.question }
                if rank == 0 { entry.best += 1 }
                entries[key] = entry
            }
        }
        return entries.values
            .sorted { ($1.confidence, $1.best, $0.namespace, $0.id) < ($0.confidence, $0.best, $1.namespace, $1.id) }
            .prefix(max(0, limit)).map { $0 }
    }

    /// `draft-<namespace>-<10 hex digits of the normalised question's FNV-1a hash>`: the same question gets
    /// the same id in every run, so a draft uploaded and reported again is recognisable.
    public static func draftID(representative: String, namespace: String?) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in QuestionText.normalized(representative).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        let digits = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        return "draft-" + (namespace.map { $0 + "-" } ?? "") + String(digits.prefix(10))
    }
}
