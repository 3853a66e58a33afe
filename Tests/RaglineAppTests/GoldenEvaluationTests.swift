import Foundation
import RAGCore
import RaglineApp
import Testing

@Suite struct GoldenEvaluationTests {
    func outcome(_ expected: [String], _ status: AnswerStatus, _ reference: String?, score: Double, best: String) -> GoldenOutcome {
        GoldenOutcome(
            golden: GoldenQuestion(question: "q \(best) \(score)", expectedIDs: expected), status: status, firstReference: reference,
            bestScore: score, bestCandidate: best, milliseconds: score * 100
        )
    }

    @Test func goldenLinesTakeOneIdSeveralOrNullAndBadLinesNameTheirNumber() throws {
        let file = (NSTemporaryDirectory() as NSString).appendingPathComponent("golden-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try """
        {"question": "a", "expected_id": "x"}

        {"question": "b", "expected_id": ["x", "y"], "namespace": "n"}
        {"question": "c", "expected_id": null}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let questions = try GoldenQuestion.read(file)
        #expect(questions.map(\.expectedIDs) == [["x"], ["x", "y"], []])
        #expect(questions[1].namespace == "n" && questions[2].isOutOfScope)

        try #"{"question": "a", "expected_id": 3}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: GoldenFileError.self) { try GoldenQuestion.read(file) }
        do { _ = try GoldenQuestion.read(file) } catch { #expect("\(error)".contains("line 1")) }
    }

    @Test func reportCountsCorrectWrongAbstainedAndClarified() {
        let outcomes = [
            outcome(["a"], .answered, "a", score: 0.9, best: "a"),
            outcome(["a", "a2"], .answered, "a2", score: 0.8, best: "a2"),
            outcome(["b"], .answered, "a", score: 0.7, best: "a"),
            outcome(["c"], .noMatch, nil, score: 0.2, best: "c"),
            outcome(["d"], .clarify, "d", score: 0.6, best: "d"),
            outcome([], .noMatch, nil, score: 0.3, best: "a"),
            outcome([], .answered, "b", score: 0.5, best: "b"),
        ]
        let report = GoldenReport(outcomes)
        #expect(report.inScope == 5 && report.outOfScope == 2)
        #expect(report.accuracy == 0.4)
        #expect(report.inScopeWrong == 0.2 && report.inScopeAbstained == 0.2 && report.inScopeClarified == 0.2)
        #expect(report.outOfScopeAbstained == 0.5)
        // Everything not right, highest score first.
        #expect(report.confusions.map(\.got) == ["a", "d", "b", "c"])
    }

    @Test func calibrationFindsTheLowestThresholdThatAbstainsEnough() throws {
        let outcomes = [
            outcome(["a"], .answered, "a", score: 0.9, best: "a"),
            outcome(["b"], .answered, "b", score: 0.5, best: "b"),
            outcome(["c"], .answered, "x", score: 0.8, best: "x"),
            outcome([], .noMatch, nil, score: 0.2, best: "a"),
            outcome([], .noMatch, nil, score: 0.4, best: "a"),
            outcome([], .noMatch, nil, score: 0.6, best: "a"),
            outcome([], .noMatch, nil, score: 0.3, best: "a"),
        ]
        let half = try #require(ThresholdCalibration.sweep(outcomes, target: 0.5))
        #expect(half.threshold > 0.3 && half.threshold < 0.31)
        #expect(half.outOfScopeAbstained == 0.5)
        #expect(abs(half.accuracy - 2.0 / 3.0) < 1e-9, "a and b score over it and are right; c's best candidate is wrong")
        let all = try #require(ThresholdCalibration.sweep(outcomes, target: 1))
        #expect(all.outOfScopeAbstained == 1 && abs(all.accuracy - 1.0 / 3.0) < 1e-9)
        #expect(ThresholdCalibration.sweep(outcomes.filter { !$0.golden.isOutOfScope }, target: 0.9) == nil)
    }
}
