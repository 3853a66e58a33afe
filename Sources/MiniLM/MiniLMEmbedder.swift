import Dispatch
import Foundation
import RAGCore
import Synchronization

/// sentence-transformers' all-MiniLM-L6-v2 (384 dimensions) run in this process: no Python, no network.
///
/// One model is loaded per process and shared by every caller. Up to `passes` forward passes run at once,
/// each on its own serial queue (and using up to `threads` threads), never on the cooperative pool: a
/// second pass uses a core the first leaves idle instead of waiting for it. Query embeddings are cached by
/// text, because FAQ traffic repeats questions verbatim.
public final class MiniLMEmbedder: Embedder {
    public let modelID = "sentence-transformers/all-MiniLM-L6-v2"
    public var dimensions: Int { encoder.shape.hidden }
    public let tokenizer: BertTokenizer
    public let encoder: BertEncoder
    public let maxBatchSize: Int
    /// One serial queue per forward pass that may run at once.
    private let lanes: [DispatchQueue]
    /// Passes queued or running on each lane; a pass goes to the least loaded one.
    private let laneLoads: Mutex<[Int]>
    private let cache: QueryCache

    /// The files the model folder must hold.
    public static let requiredFiles = ["model.safetensors", "vocab.txt", "config.json"]

    /// Loads the model from `directory`. Fails with a message naming the install command when files are missing.
    public init(
        directory: String, threads: Int = 1, passes: Int = 1, maxBatchSize: Int = 32, cacheSize: Int = 4096,
        blasThreshold: Int = BertEncoder.defaultBLASThreshold
    ) throws {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        let missing = Self.requiredFiles.filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
        guard missing.isEmpty else {
            throw MiniLMError.invalidModel(
                "MiniLM model files missing in \(directory) (\(missing.joined(separator: ", "))): run scripts/install-model.sh, or set RAGLINE_MODEL_DIR to the folder that holds them"
            )
        }
        let configuration = try Self.readShape(folder.appendingPathComponent("config.json"))
        let maxSequenceLength = (try? Self.readMaxSequenceLength(folder.appendingPathComponent("sentence_bert_config.json"))) ?? 256
        tokenizer = try BertTokenizer(vocabularyFile: folder.appendingPathComponent("vocab.txt"), maxSequenceLength: maxSequenceLength)
        encoder = try BertEncoder(file: SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path), shape: configuration, threads: threads, blasThreshold: blasThreshold)
        self.maxBatchSize = max(1, maxBatchSize)
        cache = QueryCache(capacity: cacheSize)
        lanes = (0..<max(1, passes)).map { DispatchQueue(label: "ragline.minilm.\($0)") }
        laneLoads = Mutex([Int](repeating: 0, count: lanes.count))
    }

    public func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        guard kind == .query else { return await embedOnQueue(texts) }
        // Each question looked up on its own: a batch of questions embeds only the ones not seen before.
        var vectors = texts.map(cache.get)
        let missing = vectors.indices.filter { vectors[$0] == nil }
        guard !missing.isEmpty else { return vectors.map { $0! } }
        let embedded = await embedOnQueue(missing.map { texts[$0] })
        for (index, vector) in zip(missing, embedded) {
            vectors[index] = vector
            cache.put(texts[index], vector)
        }
        return vectors.map { $0! }
    }

    private func embedOnQueue(_ texts: [String]) async -> [[Float]] {
        let lane = laneLoads.withLock { loads in
            let least = loads.indices.min { loads[$0] < loads[$1] }!
            loads[least] += 1
            return least
        }
        defer { laneLoads.withLock { $0[lane] -= 1 } }
        return await withCheckedContinuation { continuation in
            lanes[lane].async { continuation.resume(returning: self.embedNow(texts)) }
        }
    }

    /// Embeds on the calling thread, in batches of `maxBatchSize` (for benchmarks and tests).
    public func embedNow(_ texts: [String]) -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let end = min(start + maxBatchSize, texts.count)
            vectors.append(contentsOf: encoder.encode(texts[start..<end].map(tokenizer.encode)))
            start = end
        }
        return vectors
    }

    private static func readShape(_ url: URL) throws -> BertEncoder.Shape {
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw MiniLMError.invalidModel("config.json is not a JSON object")
        }
        var shape = BertEncoder.Shape()
        shape.hidden = object["hidden_size"] as? Int ?? shape.hidden
        shape.heads = object["num_attention_heads"] as? Int ?? shape.heads
        shape.intermediate = object["intermediate_size"] as? Int ?? shape.intermediate
        shape.layers = object["num_hidden_layers"] as? Int ?? shape.layers
        shape.vocabulary = object["vocab_size"] as? Int ?? shape.vocabulary
        shape.maxPositions = object["max_position_embeddings"] as? Int ?? shape.maxPositions
        if let epsilon = object["layer_norm_eps"] as? Double { shape.layerNormEpsilon = Float(epsilon) }
        guard (object["hidden_act"] as? String ?? "gelu") == "gelu", shape.hidden % shape.heads == 0 else {
            throw MiniLMError.invalidModel("config.json describes a model this encoder does not run")
        }
        return shape
    }

    private static func readMaxSequenceLength(_ url: URL) throws -> Int? {
        (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])?["max_seq_length"] as? Int
    }
}

/// Query vectors by exact text, oldest evicted first.
final class QueryCache: Sendable {
    private struct State {
        var vectors: [String: [Float]] = [:]
        var order: [String] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ text: String) -> [Float]? {
        state.withLock { $0.vectors[text] }
    }

    func put(_ text: String, _ vector: [Float]) {
        guard capacity > 0 else { return }
        state.withLock { state in
            guard state.vectors.updateValue(vector, forKey: text) == nil else { return }
            state.order.append(text)
            if state.order.count > capacity {
                state.vectors[state.order.removeFirst()] = nil
            }
        }
    }
}
