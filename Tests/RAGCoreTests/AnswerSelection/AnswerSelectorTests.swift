import Foundation
import RAGCore
import Testing

/// Vectors on a small sphere: each answer has a direction, paraphrases lean towards it.
enum Space {
    static let dimensions = 8

    static func axis(_ index: Int, plus other: Int? = nil, weight: Float = 0.3) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        vector[index] = 1
        if let other { vector[other] = weight }
        return VectorMath.normalized(vector)
    }

    static func match(_ id: String, score: Double, answer: String, namespace: String = "n", question: String? = nil, vectorID: String? = nil) -> RetrievedMatch {
        RetrievedMatch(
            id: id, namespace: namespace, score: score, question: question ?? "question \(id)", answer: answer, context: "", source: "k",
            vectorID: vectorID ?? id, matchedQuestion: question
        )
    }
}

@Suite struct AnswerSelectorTests {
    let selector: AnswerSelector

    init() {
        var scoring = AnswerScoring()
        scoring.noMatchThreshold = 0.5
        scoring.clarifyMargin = 0.02
        selector = AnswerSelector(scoring: scoring)
    }

    @Test func entriesWithTheSameAnswerScoreAsOneGroupWithTheBestEntryFirst() {
        // Case and whitespace differences do not split a group.
        let candidates = [
            Space.match("a1", score: 0.80, answer: "Refunds take 3 days."),
            Space.match("b1", score: 0.75, answer: "Tickets are sold online."),
            Space.match("a2", score: 0.78, answer: "refunds  take 3 days."),
            Space.match("a3", score: 0.77, answer: "Refunds take 3\ndays."),
        ]
        let ranked = selector.rank(question: "refund", vector: [], candidates: candidates, models: [:])
        #expect(ranked.count == 2)
        #expect(ranked[0].entries.map(\.id) == ["a1", "a2", "a3"])
        #expect(ranked[0].dense == 0.80)
        // The soft maximum (a mean of exponentials over the group) keeps the three close vectors above the lone one.
        #expect(ranked[0].score > ranked[1].score)
    }

    @Test func alternateQuestionsOfOneEntryListTheEntryOnce() {
        let candidates = [
            Space.match("a", score: 0.9, answer: "A", question: "alt", vectorID: "a#alt-1"),
            Space.match("a", score: 0.8, answer: "A"),
            Space.match("b", score: 0.6, answer: "B"),
        ]
        let selection = selector.select(question: "q", vector: [], candidates: candidates, models: [:], topK: 3)
        #expect(selection.decision == .answered)
        #expect(selection.references.map(\.id) == ["a"])
        #expect(selection.groundingMatches.map(\.id) == ["a", "b"])
    }

    @Test func underTheThresholdIsNoMatchWithTheReason() {
        let selection = selector.select(question: "q", vector: [], candidates: [Space.match("a", score: 0.3, answer: "A")], models: [:], topK: 3)
        #expect(selection.decision == .noMatch)
        #expect(selection.references.isEmpty)
        #expect(selection.thresholdSource == "override")
        #expect(selection.reason == "confidence 0.300 under the override threshold 0.500")
        let empty = selector.select(question: "q", vector: [], candidates: [], models: [:], topK: 3)
        #expect(empty.decision == .noMatch)
    }

    @Test func twoAnswersTooCloseToCallAskDidYouMean() {
        let candidates = [Space.match("a", score: 0.80, answer: "A"), Space.match("b", score: 0.795, answer: "B"), Space.match("c", score: 0.5, answer: "C")]
        let selection = selector.select(question: "q", vector: [], candidates: candidates, models: [:], topK: 2)
        #expect(selection.decision == .clarify)
        #expect(selection.references.map(\.id) == ["a", "b"])
        #expect(selection.answers.count == 2)

        var noMargin = selector
        noMargin.scoring.clarifyMargin = 0
        #expect(noMargin.select(question: "q", vector: [], candidates: candidates, models: [:], topK: 2).decision == .answered)
    }

    @Test func thresholdComesFromOverrideThenCalibrationThenFallback() {
        var model = KnowledgeModel(
            namespace: "n", embeddingModel: "m", builtAt: Date(), groupSizes: ["a": 1], lexical: .init(documentCount: 1, averageLength: 1, documentFrequency: [:]),
            hubness: [:], classifier: nil, calibratedThreshold: 0.7
        )
        let candidates = [Space.match("a", score: 0.6, answer: "A")]
        #expect(selector.select(question: "q", vector: [], candidates: candidates, models: ["n": model], topK: 1).decision == .answered)
        var calibrated = selector
        calibrated.scoring.noMatchThreshold = nil
        let byCalibration = calibrated.select(question: "q", vector: [], candidates: candidates, models: ["n": model], topK: 1)
        #expect(byCalibration.decision == .noMatch)
        #expect(byCalibration.thresholdSource == "calibrated")
        model.calibratedThreshold = nil
        let byFallback = calibrated.select(question: "q", vector: [], candidates: candidates, models: ["n": model], topK: 1)
        #expect(byFallback.thresholdSource == "fallback")
        #expect(byFallback.threshold == AnswerScoring.default.fallbackThreshold)
        let withoutModel = calibrated.select(question: "q", vector: [], candidates: candidates, models: [:], topK: 1)
        #expect(withoutModel.thresholdSource == "fallback")
    }

    @Test func lexicalEvidenceBreaksATieBetweenEqualCosines() {
        let statistics = LexicalStatistics(documentCount: 2, averageLength: 3, documentFrequency: ["bicycle": 1, "luggage": 1, "train": 2])
        let model = KnowledgeModel(
            namespace: "n", embeddingModel: "m", builtAt: Date(), groupSizes: [:], lexical: statistics, hubness: [:], classifier: nil, calibratedThreshold: nil
        )
        let candidates = [
            Space.match("luggage", score: 0.7, answer: "L", question: "luggage on the train"),
            Space.match("bike", score: 0.7, answer: "B", question: "bicycle on the train"),
        ]
        let ranked = selector.rank(question: "Can I take my bicycle?", vector: [], candidates: candidates, models: ["n": model])
        #expect(ranked.first?.entries.first?.id == "bike")
        #expect(ranked.first?.lexical == 1)
        #expect(ranked.last?.lexical == 0)
    }

    /// BM25 by the textbook: term frequencies in a dictionary, each distinct query term once.
    @Test func bm25IsTheTextbookFormula() {
        let statistics = LexicalStatistics(documentCount: 40, averageLength: 6.5, documentFrequency: ["train": 12, "ticket": 3, "bike": 1, "refund": 7])
        func textbook(_ query: [String], _ document: [String]) -> Double {
            guard !document.isEmpty else { return 0 }
            let frequencies = Dictionary(document.map { ($0, 1) }, uniquingKeysWith: +)
            let lengthNorm = 1 - 0.75 + 0.75 * Double(document.count) / 6.5
            return Set(query).reduce(0.0) { score, term in
                guard let tf = frequencies[term].map(Double.init) else { return score }
                let df = Double(statistics.documentFrequency[term] ?? 0)
                return score + log(1 + (40 - df + 0.5) / (df + 0.5)) * tf * 2.5 / (tf + 1.5 * lengthNorm)
            }
        }
        let vocabulary = ["train", "ticket", "bike", "refund", "unseen", "late"]
        var random = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            let query = (0..<Int.random(in: 0...6, using: &random)).map { _ in vocabulary.randomElement(using: &random)! }
            let document = (0..<Int.random(in: 0...12, using: &random)).map { _ in vocabulary.randomElement(using: &random)! }
            #expect(abs(statistics.bm25(query: query, document: document) - textbook(query, document)) < 1e-9, "\(query) \(document)")
        }
        #expect(statistics.bm25(query: ["train", "train"], document: ["train"]) == statistics.bm25(query: ["train"], document: ["train"]))
    }

    @Test func hubnessLowersEntriesCloseToEverything() {
        let model = KnowledgeModel(
            namespace: "n", embeddingModel: "m", builtAt: Date(), groupSizes: [:], lexical: .init(documentCount: 0, averageLength: 0, documentFrequency: [:]),
            hubness: ["hub": 0.9, "specific": 0.1], classifier: nil, calibratedThreshold: nil
        )
        let candidates = [Space.match("hub", score: 0.72, answer: "H"), Space.match("specific", score: 0.70, answer: "S")]
        let ranked = selector.rank(question: "q", vector: [], candidates: candidates, models: ["n": model])
        #expect(ranked.first?.entries.first?.id == "specific")
    }

    @Test func classifierProbabilityIsFusedWithTheVectorScores() {
        // The classifier is sure of "B" for this direction; equal cosines are decided by it.
        let classifier = AnswerClassifier(groups: ["a", "b"], dimensions: 2, weights: [0, 0, 0, 5], bias: [0, 0])
        let model = KnowledgeModel(
            namespace: "n", embeddingModel: "m", builtAt: Date(), groupSizes: [:], lexical: .init(documentCount: 0, averageLength: 0, documentFrequency: [:]),
            hubness: [:], classifier: classifier, calibratedThreshold: nil
        )
        let candidates = [Space.match("a", score: 0.7, answer: "A"), Space.match("b", score: 0.7, answer: "B")]
        let ranked = selector.rank(question: "q", vector: [0, 1], candidates: candidates, models: ["n": model])
        #expect(ranked.first?.groupKey == "b")
        #expect((ranked.first?.classifier ?? 0) > 0.99)
    }

    @Test func classifierSpeaksOnlyWhenItKnowsEveryCandidateAnswer() {
        // "c" was added after the classifier was fitted: the classifier's term is left out for every answer,
        // so "c" neither wins nor loses by default.
        let classifier = AnswerClassifier(groups: ["a", "b"], dimensions: 2, weights: [0, 0, 0, 5], bias: [0, 0])
        let model = KnowledgeModel(
            namespace: "n", embeddingModel: "m", builtAt: Date(), groupSizes: [:], lexical: .init(documentCount: 0, averageLength: 0, documentFrequency: [:]),
            hubness: [:], classifier: classifier, calibratedThreshold: nil
        )
        let candidates = [Space.match("a", score: 0.7, answer: "A"), Space.match("b", score: 0.7, answer: "B"), Space.match("c", score: 0.69, answer: "C")]
        let ranked = selector.rank(question: "q", vector: [0, 1], candidates: candidates, models: ["n": model])
        #expect(ranked.allSatisfy { $0.classifier == nil })
        #expect(ranked.last?.groupKey == "c")
    }

    @Test func modelsGroundOnlyOnAnswersThatReachTheThreshold() {
        let candidates = [Space.match("a", score: 0.9, answer: "A"), Space.match("b", score: 0.6, answer: "B"), Space.match("c", score: 0.3, answer: "C")]
        let selection = selector.select(question: "q", vector: [], candidates: candidates, models: [:], topK: 3)
        #expect(selection.answers.count == 3)
        #expect(selection.groundingMatches.map(\.id) == ["a", "b"])
    }

    @Test func diagnosticsCarryTheReasonAndEachCandidatesScores() throws {
        let candidates = [Space.match("a", score: 0.9, answer: "A"), Space.match("b", score: 0.6, answer: "B")]
        let selection = selector.select(question: "q", vector: [], candidates: candidates, models: [:], topK: 2)
        let diagnostics = AnswerDiagnostics(selection)
        #expect(diagnostics.decision == .answered)
        #expect(diagnostics.candidates.map(\.id) == ["a", "b"])
        let json = String(decoding: try EventCoding.encode(diagnostics), as: UTF8.self)
        #expect(json.contains("\"threshold_source\":\"override\""))
        let decoded = try EventCoding.decode(AnswerSelection.self, from: try EventCoding.encode(selection))
        #expect(decoded == selection)
    }
}

@Suite struct KnowledgeModelFitterTests {
    /// Three answers, each asked three ways; vectors lean towards their answer's axis.
    func vectors() -> [KnowledgeVector] {
        var vectors: [KnowledgeVector] = []
        let questions = [
            ["how do I buy a ticket", "where can tickets be bought", "purchase a train ticket"],
            ["can I bring my bicycle", "bikes on board", "is a bicycle allowed"],
            ["is there wifi", "internet on the train", "wifi connection on board"],
        ]
        for (answer, texts) in questions.enumerated() {
            for (number, text) in texts.enumerated() {
                vectors.append(KnowledgeVector(
                    vectorID: number == 0 ? "e\(answer)" : "e\(answer)#alt-\(number)", entryID: "e\(answer)", question: text,
                    answer: "Answer \(answer)", context: "", vector: Space.axis(answer, plus: 3 + number, weight: 0.4)
                ))
            }
        }
        return vectors
    }

    @Test func groupsTermsHubnessClassifierAndThresholdComeFromTheKnowledge() throws {
        let model = KnowledgeModelFitter().fit(namespace: "n", embeddingModel: "m", vectors: vectors(), now: Date(timeIntervalSince1970: 0))
        #expect(model.groupSizes == ["answer 0": 3, "answer 1": 3, "answer 2": 3])
        #expect(model.lexical.documentCount == 9)
        #expect(model.lexical.documentFrequency["bicycle"] == 2)
        #expect(model.lexical.documentFrequency["the"] == nil, "stop words are not terms")
        #expect(model.hubness.count == 9)
        let classifier = try #require(model.classifier)
        #expect(classifier.groups == ["answer 0", "answer 1", "answer 2"])
        // The classifier recognises each answer's direction.
        for answer in 0..<3 {
            let probabilities = classifier.logProbabilities(Space.axis(answer)).map { exp($0) }
            #expect(probabilities.firstIndex(of: probabilities.max()!) == answer)
        }
        let threshold = try #require(model.calibratedThreshold)
        #expect(threshold > 0 && threshold < 1)
    }

    @Test func deletedEntriesLeaveEveryPartOfTheModel() {
        let all = vectors()
        let remaining = all.filter { $0.entryID != "e2" }
        let model = KnowledgeModelFitter().fit(namespace: "n", embeddingModel: "m", vectors: remaining)
        #expect(model.groupSizes["answer 2"] == nil)
        #expect(model.classifier?.groups.contains("answer 2") == false)
        #expect(model.hubness.keys.allSatisfy { !$0.hasPrefix("e2") })
        #expect(model.lexical.documentFrequency["wifi"] == nil)
    }

    @Test func singleQuestionAnswersHaveNoCalibrationAndOneAnswerNoClassifier() {
        let single = vectors().filter { !$0.vectorID.contains("#") }
        let model = KnowledgeModelFitter().fit(namespace: "n", embeddingModel: "m", vectors: single)
        #expect(model.calibratedThreshold == nil)
        #expect(model.classifier != nil)
        let one = KnowledgeModelFitter().fit(namespace: "n", embeddingModel: "m", vectors: Array(vectors().prefix(3)))
        #expect(one.classifier == nil)
    }

    @Test func vectorsOfAnotherLengthAreLeftOutInsteadOfStoppingTheFit() {
        var mixed = vectors()
        mixed.append(KnowledgeVector(vectorID: "old", entryID: "old", question: "old", answer: "Old", context: "", vector: [1, 0, 0]))
        let model = KnowledgeModelFitter().fit(namespace: "n", embeddingModel: "m", vectors: mixed)
        #expect(model.groupSizes["old"] == nil)
        #expect(model.lexical.documentCount == 9)
        #expect(model.classifier?.dimensions == Space.dimensions)
    }

    @Test func hubnessLeavesOutTheEntrysOwnAlternates() {
        // Two entries, each with a near-identical alternate: without its own alternate, each vector's nearest
        // other entry is far away.
        let close: [KnowledgeVector] = [
            .init(vectorID: "a", entryID: "a", question: "a", answer: "A", context: "", vector: Space.axis(0)),
            .init(vectorID: "a#alt-1", entryID: "a", question: "a2", answer: "A", context: "", vector: Space.axis(0, plus: 2, weight: 0.01)),
            .init(vectorID: "b", entryID: "b", question: "b", answer: "B", context: "", vector: Space.axis(1)),
        ]
        var fitter = KnowledgeModelFitter()
        fitter.scoring.hubnessNeighbours = 1
        let model = fitter.fit(namespace: "n", embeddingModel: "m", vectors: close)
        #expect((model.hubness["a"] ?? 1) < 0.01)
        #expect(model.calibratedThreshold.map { $0 > 0.99 } == true, "a's alternate is its only sibling")
    }

    @Test func modelSurvivesItsWireFormat() throws {
        let model = KnowledgeModelFitter().fit(namespace: "n", embeddingModel: "m", vectors: vectors(), now: Date(timeIntervalSince1970: 1_000))
        let decoded = try EventCoding.decode(KnowledgeModel.self, from: try EventCoding.encode(model))
        #expect(decoded == model)
    }
}
