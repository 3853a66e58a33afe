import ArgumentParser
import Foundation
import LocalProviders
import RAGCore
import RaglineApp

extension Bench {
    /// `ragline bench selection`: what answer selection adds per question on a large namespace, against the
    /// exhaustive dense search it follows, measured in the same run. Synthetic knowledge: random unit vectors
    /// in answer groups, generated questions, a classifier with one row per group.
    struct Selection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Added cost of AnswerSelector per question on a large namespace.")

        @Option(help: "Vectors in the namespace.") var entries = 10_000
        @Option(help: "Vectors per answer group.") var perAnswer = 5
        @Option(help: "Measured questions.") var questions = 500

        func run() async throws {
            var generator = SeededGenerator(seed: 42)
            let dimensions = 384
            let groups = max(1, entries / perAnswer)
            let words = (0..<5_000).map { "w\($0)" }
            func randomVector() -> [Float] {
                VectorMath.normalized((0..<dimensions).map { _ in Float.random(in: -1...1, using: &generator) })
            }
            func randomText() -> String {
                (0..<8).map { _ in words.randomElement(using: &generator)! }.joined(separator: " ")
            }
            let vectors = (0..<entries).map { number in
                KnowledgeVector(
                    vectorID: "v\(number)", entryID: "e\(number)", question: randomText(), answer: "answer \(number % groups)",
                    context: "", vector: randomVector()
                )
            }
            // Term statistics and group sizes as ingestion computes them; hubness and classifier weights are
            // random (their values do not change the query-time cost, fitting them at this size is ingestion's).
            var fitter = KnowledgeModelFitter()
            fitter.maxPairwiseVectors = 0
            fitter.maxClassifierWork = 0
            var model = fitter.fit(namespace: "bench", embeddingModel: "random", vectors: vectors)
            model.hubness = Dictionary(uniqueKeysWithValues: vectors.map { ($0.vectorID, Float.random(in: 0.2...0.6, using: &generator)) })
            model.classifier = AnswerClassifier(
                groups: model.groupSizes.keys.sorted(), dimensions: dimensions,
                weights: (0..<(groups * dimensions)).map { _ in Float.random(in: -0.1...0.1, using: &generator) },
                bias: [Float](repeating: 0, count: groups)
            )
            model.calibratedThreshold = 0.3

            let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("ragline-bench-selection-\(UUID().uuidString.prefix(6))")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let index = try LocalVectorIndex(directory: directory)
            try await index.upsert(vectors.map {
                IndexEntry(id: $0.entryID, namespace: "bench", vector: $0.vector, question: $0.question, answer: $0.answer, context: "", source: "bench")
            })
            let selector = AnswerSelector()
            var search: [Double] = [], selection: [Double] = []
            for number in 0..<(questions + 20) {
                let query = vectors[number % vectors.count]
                var vector = query.vector
                for d in 0..<dimensions { vector[d] += Float.random(in: -0.05...0.05, using: &generator) }
                let start = ContinuousClock.now
                let candidates = try await index.query(vector: vector, topK: selector.scoring.candidates, namespace: "bench")
                let searched = ContinuousClock.now
                let chosen = selector.select(question: query.question, vector: vector, candidates: candidates, models: ["bench": model], topK: 3)
                let done = ContinuousClock.now
                precondition(!chosen.answers.isEmpty)
                guard number >= 20 else { continue }
                search.append((searched - start).milliseconds)
                selection.append((done - searched).milliseconds)
            }
            print("| \(entries) vectors, \(groups) answers, \(selector.scoring.candidates) candidates, \(questions) questions | p50 ms | p99 ms |")
            print("| --- | --- | --- |")
            print(Bench.row("baseline: exhaustive dense search (local index)", search, digits: 3))
            print(Bench.row("added: AnswerSelector (group, hubness, BM25, classifier over \(groups) answers, decide)", selection, digits: 3))
        }
    }
}
