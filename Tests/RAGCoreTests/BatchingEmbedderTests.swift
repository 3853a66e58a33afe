import Foundation
import RAGCore
import Synchronization
import Testing

/// An embedder whose forward passes wait for the test to release them, and which records their sizes.
private final class GatedEmbedder: Embedder {
    let modelID = "gated"
    let dimensions = 1
    let calls = Mutex<[(texts: [String], kind: EmbeddingKind)]>([])
    let gate = Mutex<[CheckedContinuation<Void, Never>]>([])
    let failure: (any Error)?

    init(failure: (any Error)? = nil) {
        self.failure = failure
    }

    func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        calls.withLock { $0.append((texts, kind)) }
        await withCheckedContinuation { continuation in gate.withLock { $0.append(continuation) } }
        if let failure { throw failure }
        return texts.map { [Float($0.count)] }
    }

    var waiting: Int { gate.withLock { $0.count } }

    func release() {
        let released = gate.withLock { gate in
            defer { gate.removeAll() }
            return gate
        }
        released.forEach { $0.resume() }
    }

    func waitUntilWaiting(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while waiting < count {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

private struct Broken: Error {}

@Suite struct BatchingEmbedderTests {
    @Test func aLoneRequestStartsAtOnce() async throws {
        let inner = GatedEmbedder()
        let batching = BatchingEmbedder(inner, maxBatchSize: 8)
        async let vectors = batching.embed(["abc"], kind: .query)
        try await inner.waitUntilWaiting(1)
        inner.release()
        #expect(try await vectors == [[3]])
        #expect(inner.calls.withLock { $0.map(\.texts) } == [["abc"]])
    }

    @Test func requestsArrivingDuringAPassShareTheNextOneAndGetTheirOwnVectors() async throws {
        let inner = GatedEmbedder()
        let batching = BatchingEmbedder(inner, maxBatchSize: 4)
        try await withThrowingTaskGroup(of: (String, [[Float]]).self) { group in
            group.addTask { ("first", try await batching.embed(["a"], kind: .query)) }
            try await inner.waitUntilWaiting(1)
            // Five texts queue while the first pass runs: the next pass takes four (never splitting a
            // request), the one after takes the rest.
            for text in ["bb", "ccc", "dddd", "eeeee"] {
                group.addTask { (text, try await batching.embed([text], kind: .query)) }
            }
            try await Task.sleep(for: .milliseconds(50))
            #expect(inner.waiting == 1)
            inner.release()
            try await inner.waitUntilWaiting(1)
            inner.release()
            for try await (text, vectors) in group {
                #expect(vectors == [[Float(text == "first" ? 1 : text.count)]])
            }
        }
        let sizes = inner.calls.withLock { $0.map(\.texts.count) }
        #expect(sizes == [1, 4])
    }

    @Test func aBatchHoldsOneKindAndNoRequestIsSplit() async throws {
        let inner = GatedEmbedder()
        let batching = BatchingEmbedder(inner, maxBatchSize: 3)
        try await withThrowingTaskGroup(of: [[Float]].self) { group in
            group.addTask { try await batching.embed(["x"], kind: .query) }
            try await inner.waitUntilWaiting(1)
            group.addTask { try await batching.embed(["doc one", "doc two"], kind: .passage) }
            try await Task.sleep(for: .milliseconds(20))
            group.addTask { try await batching.embed(["q"], kind: .query) }
            group.addTask { try await batching.embed(["d1", "d2", "d3", "d4"], kind: .passage) }
            try await Task.sleep(for: .milliseconds(20))
            for _ in 0..<3 {
                inner.release()
                try await inner.waitUntilWaiting(1)
            }
            inner.release()
            var results: [[[Float]]] = []
            for try await vectors in group { results.append(vectors) }
            #expect(results.count == 4)
        }
        let calls = inner.calls.withLock { $0.map { ($0.texts, $0.kind) } }
        #expect(calls.map(\.0) == [["x"], ["doc one", "doc two"], ["q"], ["d1", "d2", "d3", "d4"]])
        #expect(calls.map(\.1) == [.query, .passage, .query, .passage])
    }

    @Test func aFailedPassFailsEveryRequestInItAndTheNextOneStillRuns() async throws {
        let inner = GatedEmbedder(failure: Broken())
        let batching = BatchingEmbedder(inner, maxBatchSize: 8)
        async let first = batching.embed(["a"], kind: .query)
        try await inner.waitUntilWaiting(1)
        async let second = batching.embed(["b"], kind: .query)
        async let third = batching.embed(["c"], kind: .query)
        try await Task.sleep(for: .milliseconds(20))
        inner.release()
        try await inner.waitUntilWaiting(1)
        inner.release()
        var failed = 0
        do { _ = try await first } catch is Broken { failed += 1 }
        do { _ = try await second } catch is Broken { failed += 1 }
        do { _ = try await third } catch is Broken { failed += 1 }
        #expect(failed == 3)
        #expect(inner.calls.withLock { $0.map(\.texts) } == [["a"], ["b", "c"]])
    }

    @Test func upToTheAllowedBatchesRunAtOnceAndTheRestShareTheNextPasses() async throws {
        let inner = GatedEmbedder()
        let batching = BatchingEmbedder(inner, maxBatchSize: 2, maxConcurrentBatches: 2)
        try await withThrowingTaskGroup(of: (String, [[Float]]).self) { group in
            // A lone request starts a pass, and the next one does not wait for it: a second pass starts.
            group.addTask { ("a", try await batching.embed(["a"], kind: .query)) }
            try await inner.waitUntilWaiting(1)
            group.addTask { ("bb", try await batching.embed(["bb"], kind: .query)) }
            try await inner.waitUntilWaiting(2)
            // With both passes running, three more queue; no third pass starts.
            for text in ["ccc", "dddd", "eeeee"] {
                group.addTask { (text, try await batching.embed([text], kind: .query)) }
            }
            try await Task.sleep(for: .milliseconds(50))
            #expect(inner.waiting == 2)
            inner.release()
            // The two drains take the queued three as a pass of two and a pass of one.
            try await inner.waitUntilWaiting(2)
            #expect(inner.waiting == 2)
            inner.release()
            for try await (text, vectors) in group {
                #expect(vectors == [[Float(text.count)]])
            }
        }
        let sizes = inner.calls.withLock { $0.map(\.texts.count) }
        #expect(sizes.prefix(2) == [1, 1] && sizes.dropFirst(2).sorted() == [1, 2], "pass sizes \(sizes)")
        // Once the queue is empty the drains end: a new request starts a pass at once.
        async let late = batching.embed(["late"], kind: .query)
        try await inner.waitUntilWaiting(1)
        inner.release()
        #expect(try await late == [[4]])
    }
}
