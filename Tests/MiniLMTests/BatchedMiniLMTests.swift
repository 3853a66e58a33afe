import Foundation
import MiniLM
import RAGCore
import Synchronization
import Testing

/// Dynamic batching in front of the real model: questions embedded together in one forward pass get the
/// vectors they get one at a time, also when two passes run at once.
@Suite struct BatchedMiniLMTests {
    @Test(arguments: [1, 2])
    func questionsBatchedTogetherGetTheirOneAtATimeVectors(passes: Int) async throws {
        let model = try MiniLMEmbedder(directory: ReferenceTests.modelDirectory, threads: 1, passes: passes, cacheSize: 0)
        let texts = ReferenceTests.references.prefix(32).map(\.text)
        var alone: [[Float]] = []
        for text in texts { alone.append(try await model.embed([text], kind: .query)[0]) }

        let sizes = BatchSizes()
        let batching = BatchingEmbedder(model, maxBatchSize: 32, maxConcurrentBatches: passes, batchSizes: { sizes.record($0) })
        let together = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await batching.embed([text], kind: .query)[0]) }
            }
            var vectors = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { vectors[index] = vector }
            return vectors
        }
        for (index, (a, b)) in zip(alone, together).enumerated() {
            let cosine = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(cosine >= 0.9999, "\(texts[index].prefix(40).debugDescription): cosine \(cosine)")
        }
        // 32 questions at once: after the first pass starts, the rest wait and share passes.
        #expect(sizes.largest > 1, "batch sizes \(sizes.all)")
    }
}

private final class BatchSizes: Sendable {
    private let sizes = Mutex([Int]())
    func record(_ size: Int) { sizes.withLock { $0.append(size) } }
    var all: [Int] { sizes.withLock { $0 } }
    var largest: Int { all.max() ?? 0 }
}
