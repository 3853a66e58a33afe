import Foundation
import RAGCore

/// One line of a golden set: a question and the entry that must answer it (any of several ids), or null
/// when the question must be abstained on.
public struct GoldenQuestion: Sendable, Hashable, Decodable {
    public var question: String
    /// Ids any of which is a correct first reference; empty means "must abstain".
    public var expectedIDs: [String]
    public var namespace: String?

    public init(question: String, expectedIDs: [String], namespace: String? = nil) {
        self.question = question
        self.expectedIDs = expectedIDs
        self.namespace = namespace
    }

    public var isOutOfScope: Bool { expectedIDs.isEmpty }

    enum CodingKeys: String, CodingKey { case question, expectedID = "expected_id", namespace }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        question = try container.decode(String.self, forKey: .question)
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace)
        if let one = try? container.decode(String.self, forKey: .expectedID) {
            expectedIDs = [one]
        } else if let many = try? container.decode([String].self, forKey: .expectedID) {
            expectedIDs = many
        } else if try container.decodeNil(forKey: .expectedID) {
            expectedIDs = []
        } else {
            throw DecodingError.dataCorruptedError(forKey: .expectedID, in: container, debugDescription: "expected_id must be a string, a list of strings, or null")
        }
    }

    /// Reads a golden JSONL file; a bad line is an error naming its number.
    public static func read(_ path: String) throws -> [GoldenQuestion] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var questions: [GoldenQuestion] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            do {
                questions.append(try JSONDecoder().decode(GoldenQuestion.self, from: Data(trimmed.utf8)))
            } catch {
                throw GoldenFileError(description: "\(path) line \(number + 1): not a golden line {\"question\": ..., \"expected_id\": ...}: \(error)")
            }
        }
        return questions
    }
}

public struct GoldenFileError: Error, CustomStringConvertible {
    public let description: String
}

/// What Ragline answered to one golden question.
public struct GoldenOutcome: Sendable, Hashable {
    public var golden: GoldenQuestion
    public var status: AnswerStatus
    public var firstReference: String?
    /// The best candidate answer's confidence (its best cosine, what the no-match threshold is compared
    /// with) and best entry, from the answer's diagnostics, whatever the decision.
    public var bestScore: Double?
    public var bestCandidate: String?
    public var milliseconds: Double
    /// Every candidate answer the diagnostics listed, best first.
    public var candidates: [AnswerDiagnostics.Candidate] = []

    public init(golden: GoldenQuestion, status: AnswerStatus, firstReference: String?, bestScore: Double?, bestCandidate: String?, milliseconds: Double) {
        self.golden = golden
        self.status = status
        self.firstReference = firstReference
        self.bestScore = bestScore
        self.bestCandidate = bestCandidate
        self.milliseconds = milliseconds
    }

    public var isCorrectAnswer: Bool {
        status == .answered && firstReference.map(golden.expectedIDs.contains) == true
    }
}

/// Accuracy, abstention, confusions and latency of a golden run, and the threshold sweep of `--calibrate`.
public struct GoldenReport: Sendable, Codable, Hashable {
    public struct Confusion: Sendable, Codable, Hashable {
        public var question: String
        public var expected: [String]
        public var status: String
        public var got: String?
        public var score: Double?
    }

    public var questions: Int
    public var inScope: Int
    public var outOfScope: Int
    /// In-scope questions answered with a correct first reference, over all in-scope questions.
    public var accuracy: Double
    public var inScopeWrong: Double
    public var inScopeAbstained: Double
    public var inScopeClarified: Double
    /// Out-of-scope questions answered `no_match`, over all out-of-scope questions.
    public var outOfScopeAbstained: Double
    public var outOfScopeClarified: Double
    public var latencyP50Milliseconds: Double
    public var latencyP95Milliseconds: Double
    public var confusions: [Confusion]

    enum CodingKeys: String, CodingKey {
        case questions, inScope = "in_scope", outOfScope = "out_of_scope", accuracy, inScopeWrong = "in_scope_wrong"
        case inScopeAbstained = "in_scope_abstained", inScopeClarified = "in_scope_clarified"
        case outOfScopeAbstained = "out_of_scope_abstained", outOfScopeClarified = "out_of_scope_clarified"
        case latencyP50Milliseconds = "latency_p50_ms", latencyP95Milliseconds = "latency_p95_ms", confusions
    }

    public init(_ outcomes: [GoldenOutcome], confusionLimit: Int = 20) {
        let inside = outcomes.filter { !$0.golden.isOutOfScope }
        let outside = outcomes.filter(\.golden.isOutOfScope)
        func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
        questions = outcomes.count
        inScope = inside.count
        outOfScope = outside.count
        accuracy = share(inside.filter(\.isCorrectAnswer).count, inside.count)
        inScopeWrong = share(inside.filter { $0.status == .answered && !$0.isCorrectAnswer }.count, inside.count)
        inScopeAbstained = share(inside.filter { $0.status == .noMatch }.count, inside.count)
        inScopeClarified = share(inside.filter { $0.status == .clarify }.count, inside.count)
        outOfScopeAbstained = share(outside.filter { $0.status == .noMatch }.count, outside.count)
        outOfScopeClarified = share(outside.filter { $0.status == .clarify }.count, outside.count)
        let latencies = outcomes.map(\.milliseconds)
        latencyP50Milliseconds = latencies.nearestRankPercentile(0.5) ?? 0
        latencyP95Milliseconds = latencies.nearestRankPercentile(0.95) ?? 0
        let wrong = outcomes.filter { outcome in
            outcome.golden.isOutOfScope ? outcome.status != .noMatch : !outcome.isCorrectAnswer
        }
        confusions = wrong.sorted { ($0.bestScore ?? 0) > ($1.bestScore ?? 0) }.prefix(confusionLimit).map {
            Confusion(question: $0.golden.question, expected: $0.golden.expectedIDs, status: $0.status.rawValue, got: $0.firstReference ?? $0.bestCandidate, score: $0.bestScore)
        }
    }
}

/// The threshold sweep: for each wanted out-of-scope abstention rate, the lowest threshold on the best
/// answer's confidence that reaches it, and what in-scope questions get at that threshold.
public struct ThresholdCalibration: Sendable, Codable, Hashable {
    public var targetAbstention: Double
    public var threshold: Double
    public var outOfScopeAbstained: Double
    /// In-scope questions whose best candidate is right and scores at or over the threshold.
    public var accuracy: Double

    enum CodingKeys: String, CodingKey {
        case targetAbstention = "target_abstention", threshold, outOfScopeAbstained = "out_of_scope_abstained", accuracy
    }

    /// Nil when the set has no out-of-scope questions, or the answers carry no scores.
    public static func sweep(_ outcomes: [GoldenOutcome], target: Double) -> ThresholdCalibration? {
        let outside = outcomes.filter(\.golden.isOutOfScope).compactMap(\.bestScore).sorted()
        let inside = outcomes.filter { !$0.golden.isOutOfScope }
        guard !outside.isEmpty, !inside.isEmpty else { return nil }
        // Abstaining on the k lowest-scoring out-of-scope questions takes a threshold just above the k-th.
        let needed = min(outside.count, Int((target * Double(outside.count)).rounded(.up)))
        let threshold = needed == 0 ? outside[0] : outside[needed - 1].nextUp
        let abstained = Double(outside.filter { $0 < threshold }.count) / Double(outside.count)
        let correct = inside.filter { outcome in
            guard let score = outcome.bestScore, let best = outcome.bestCandidate else { return false }
            return score >= threshold && outcome.golden.expectedIDs.contains(best)
        }.count
        return ThresholdCalibration(targetAbstention: target, threshold: threshold, outOfScopeAbstained: abstained, accuracy: Double(correct) / Double(inside.count))
    }
}

extension Array where Element == Double {
    /// The nearest-rank percentile (`p` from 0 to 1) the benchmarks and evaluations report; nil when empty.
    public func nearestRankPercentile(_ p: Double) -> Double? {
        guard !isEmpty else { return nil }
        let ordered = sorted()
        return ordered[Swift.min(ordered.count - 1, Int(Double(ordered.count) * p))]
    }
}
