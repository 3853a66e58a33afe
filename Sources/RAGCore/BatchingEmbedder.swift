import Synchronization

/// Dynamic batching in front of an embedder, as embedding servers do it (text-embeddings-inference's queue,
/// Triton's dynamic batcher): requests that arrive while a forward pass runs are embedded together in the
/// next one, up to `maxBatchSize` texts. A request that finds the embedder idle starts at once, so a lone
/// question waits for no company; `maxWait` (0 by default) lets a batch that is not full wait that long
/// for more. Requests are never split, and each batch holds one `EmbeddingKind`. Up to
/// `maxConcurrentBatches` batches run at once (an in-process model with a core per pass, or a remote one),
/// so a request that arrives while every one of them runs waits for the first to finish.
public final class BatchingEmbedder: Embedder {
    public let inner: any Embedder
    public let maxBatchSize: Int
    public let maxWait: Duration
    public let maxConcurrentBatches: Int

    private struct Request {
        let texts: [String]
        let kind: EmbeddingKind
        let continuation: CheckedContinuation<[[Float]], any Error>
    }

    private struct State {
        var queue: [Request] = []
        /// Drains running; each takes one batch at a time.
        var drains = 0
    }

    private let state = Mutex(State())
    private let batchSizes: (@Sendable (Int) -> Void)?

    /// `batchSizes` hears the number of texts of each forward pass (a histogram, in the wiring).
    public init(
        _ inner: any Embedder, maxBatchSize: Int, maxWait: Duration = .zero, maxConcurrentBatches: Int = 1,
        batchSizes: (@Sendable (Int) -> Void)? = nil
    ) {
        self.inner = inner
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxWait = maxWait
        self.maxConcurrentBatches = max(1, maxConcurrentBatches)
        self.batchSizes = batchSizes
    }

    public var modelID: String { inner.modelID }
    public var dimensions: Int { inner.dimensions }

    public func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let startsDraining = state.withLock { state in
                state.queue.append(Request(texts: texts, kind: kind, continuation: continuation))
                guard state.drains < maxConcurrentBatches else { return false }
                state.drains += 1
                return true
            }
            // At most `maxConcurrentBatches` drains; each lives while requests are queued and ends when the
            // queue is empty, so nothing runs between bursts. Unstructured because a drain serves many
            // callers' tasks, and each caller waits on its continuation, which a drain always resumes.
            if startsDraining { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            if maxWait > .zero, state.withLock({ $0.queue.reduce(0) { $0 + $1.texts.count } }) < maxBatchSize {
                try? await Task.sleep(for: maxWait)
            }
            guard let batch = nextBatch() else { return }
            let texts = batch.flatMap(\.texts)
            batchSizes?(texts.count)
            do {
                let vectors = try await inner.embed(texts, kind: batch[0].kind)
                guard vectors.count == texts.count else {
                    throw ProviderError(provider: inner.modelID, message: "embedder returned \(vectors.count) vectors for \(texts.count) texts", isRetriable: false)
                }
                var start = 0
                for request in batch {
                    request.continuation.resume(returning: Array(vectors[start..<(start + request.texts.count)]))
                    start += request.texts.count
                }
            } catch {
                for request in batch { request.continuation.resume(throwing: error) }
            }
        }
    }

    /// The oldest request and those after it of the same kind that fit; nil (and the drain ends) when none wait.
    private func nextBatch() -> [Request]? {
        state.withLock { state in
            guard let first = state.queue.first else {
                state.drains -= 1
                return nil
            }
            var batch = [first]
            var count = first.texts.count
            var rest: [Request] = []
            for request in state.queue.dropFirst() {
                if request.kind == first.kind, count + request.texts.count <= maxBatchSize {
                    batch.append(request)
                    count += request.texts.count
                } else {
                    rest.append(request)
                }
            }
            state.queue = rest
            return batch
        }
    }
}
