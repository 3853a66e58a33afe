import CMiniLM
import COpenBLAS
import Dispatch
import Foundation

/// The 6-layer BERT encoder of all-MiniLM-L6-v2 plus mean pooling and L2 normalisation.
///
/// Small inputs (a question or two) use weights packed once at load and an AVX2/FMA register-blocked
/// kernel, because a BLAS repacks the weights on every call and wastes half the core on short inputs
/// (DESIGN 9). Larger batches use OpenBLAS `sgemm`, which wins there.
///
/// With more than one thread, the parallel steps of a pass run on a persistent `WorkerPool` (spinning
/// briefly between steps) rather than through dispatch, whose per-step wake-ups cost as much as the work.
///
/// `@unchecked Sendable`: every buffer is written once in `init` and only read afterwards; `encode`
/// allocates its own working memory, and the worker pool serialises its own use, so concurrent calls
/// share nothing mutable.
public final class BertEncoder: @unchecked Sendable {
    public struct Shape: Sendable {
        public var hidden = 384
        public var heads = 12
        public var intermediate = 1536
        public var layers = 6
        public var vocabulary = 30522
        public var maxPositions = 512
        public var layerNormEpsilon: Float = 1e-12
        public init() {}
    }

    /// One linear layer: the original weights (for BLAS), the packed copy (for the kernel), the bias.
    /// `@unchecked Sendable`: written only in `init`, read-only afterwards.
    final class Linear: @unchecked Sendable {
        let weights: UnsafeMutableBufferPointer<Float>
        let packed: UnsafeMutableRawPointer
        let bias: UnsafeMutableBufferPointer<Float>
        let outputs: Int
        let inputs: Int
        var panels: Int { (outputs + Int(RL_PANEL_WIDTH) - 1) / Int(RL_PANEL_WIDTH) }

        /// Stacks the given [out, in] matrices (e.g. Q, K and V) into one layer.
        init(parts: [(weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>)], inputs: Int) {
            outputs = parts.reduce(0) { $0 + $1.bias.count }
            self.inputs = inputs
            weights = .allocate(capacity: outputs * inputs)
            bias = .allocate(capacity: outputs)
            var row = 0
            for part in parts {
                _ = UnsafeMutableBufferPointer(rebasing: weights[(row * inputs)...]).initialize(from: part.weights)
                _ = UnsafeMutableBufferPointer(rebasing: bias[row...]).initialize(from: part.bias)
                row += part.bias.count
            }
            let count = rl_packed_size(Int32(outputs), Int32(inputs))
            packed = .allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            rl_pack_weights(weights.baseAddress, Int32(outputs), Int32(inputs), packed.assumingMemoryBound(to: Float.self))
        }

        deinit {
            weights.deallocate()
            bias.deallocate()
            packed.deallocate()
        }
    }

    struct Layer {
        let queryKeyValue: Linear
        let attentionOutput: Linear
        let attentionNorm: (gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>)
        let intermediate: Linear
        let output: Linear
        let outputNorm: (gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>)
    }

    public let shape: Shape
    public let threads: Int
    /// Whether the packed kernel runs its AVX2/FMA path on this CPU.
    public let usesAVX2 = rl_has_avx2_fma() != 0
    /// Rows (tokens in a batch) from which OpenBLAS takes over from the packed kernel. With AVX2 the
    /// packed kernel measured faster at every size here (BENCHMARKS.md), so OpenBLAS serves CPUs without it.
    public let blasThreshold: Int
    public static let defaultBLASThreshold = rl_has_avx2_fma() != 0 ? Int.max : 96
    private let file: SafeTensorsFile
    private let wordEmbeddings: UnsafeBufferPointer<Float>
    private let positionEmbeddings: UnsafeBufferPointer<Float>
    private let tokenTypeEmbeddings: UnsafeBufferPointer<Float>
    private let embeddingNorm: (gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>)
    private let layers: [Layer]
    private let pool: WorkerPool?

    public init(file: SafeTensorsFile, shape: Shape = Shape(), threads: Int, blasThreshold: Int = BertEncoder.defaultBLASThreshold) throws {
        self.file = file
        self.shape = shape
        self.threads = max(1, threads)
        self.blasThreshold = blasThreshold
        let h = shape.hidden
        wordEmbeddings = try file.floats("embeddings.word_embeddings.weight", shape: [shape.vocabulary, h])
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [shape.maxPositions, h])
        tokenTypeEmbeddings = try file.floats("embeddings.token_type_embeddings.weight", shape: [2, h])
        embeddingNorm = (try file.floats("embeddings.LayerNorm.weight", shape: [h]), try file.floats("embeddings.LayerNorm.bias", shape: [h]))
        layers = try (0..<shape.layers).map { index in
            let prefix = "encoder.layer.\(index)."
            func part(_ name: String, _ outputs: Int, _ inputs: Int) throws -> (weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>) {
                (try file.floats(prefix + name + ".weight", shape: [outputs, inputs]), try file.floats(prefix + name + ".bias", shape: [outputs]))
            }
            func norm(_ name: String) throws -> (gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>) {
                (try file.floats(prefix + name + ".weight", shape: [h]), try file.floats(prefix + name + ".bias", shape: [h]))
            }
            return Layer(
                queryKeyValue: Linear(parts: [
                    try part("attention.self.query", h, h), try part("attention.self.key", h, h), try part("attention.self.value", h, h),
                ], inputs: h),
                attentionOutput: Linear(parts: [try part("attention.output.dense", h, h)], inputs: h),
                attentionNorm: try norm("attention.output.LayerNorm"),
                intermediate: Linear(parts: [try part("intermediate.dense", shape.intermediate, h)], inputs: h),
                output: Linear(parts: [try part("output.dense", h, shape.intermediate)], inputs: shape.intermediate),
                outputNorm: try norm("output.LayerNorm")
            )
        }
        openblas_set_num_threads(Int32(self.threads))
        pool = self.threads > 1 ? try WorkerPool(threads: self.threads) : nil
    }

    /// Sentence embeddings (mean-pooled, unit length) of already tokenised sequences.
    public func encode(_ sequences: [[Int32]]) -> [[Float]] {
        let h = shape.hidden
        // Sequences are laid end to end: linear layers do not care where one ends, only attention does.
        var starts: [Int] = []
        var total = 0
        for sequence in sequences {
            starts.append(total)
            total += min(sequence.count, shape.maxPositions)
        }
        guard total > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }

        let hidden = SharedFloats(count: total * h)
        let attended = SharedFloats(count: total * h)
        let projected = SharedFloats(count: total * h)
        let wide = SharedFloats(count: total * max(3 * h, shape.intermediate))
        defer {
            for buffer in [hidden, attended, projected, wide] { buffer.deallocate() }
        }

        for (index, sequence) in sequences.enumerated() {
            let count = min(sequence.count, shape.maxPositions)
            sequence.withUnsafeBufferPointer { ids in
                rl_embeddings(
                    ids.baseAddress, Int32(count), wordEmbeddings.baseAddress, positionEmbeddings.baseAddress,
                    tokenTypeEmbeddings.baseAddress, embeddingNorm.gamma.baseAddress, embeddingNorm.beta.baseAddress,
                    shape.layerNormEpsilon, Int32(h), hidden.base + starts[index] * h
                )
            }
        }

        let lengths = sequences.map { min($0.count, shape.maxPositions) }
        let offsets = starts
        let headDimension = h / shape.heads
        for layer in layers {
            linear(layer.queryKeyValue, input: hidden, rows: total, output: wide)
            let pairs = sequences.count * shape.heads
            parallel(pairs) { range in
                let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: rl_attention_scratch_size(Int32(lengths.max() ?? 1), Int32(headDimension)))
                defer { scratch.deallocate() }
                for pair in range {
                    let sequence = pair / shape.heads
                    let head = pair % shape.heads
                    rl_attention_head(
                        wide.base + offsets[sequence] * 3 * h, Int32(lengths[sequence]), Int32(lengths[sequence]),
                        Int32(h), Int32(head), Int32(headDimension), attended.base + offsets[sequence] * h, scratch.baseAddress
                    )
                }
            }
            linear(layer.attentionOutput, input: attended, rows: total, output: projected)
            rl_residual_layernorm(projected.base, hidden.base, Int32(total), Int32(h), layer.attentionNorm.gamma.baseAddress, layer.attentionNorm.beta.baseAddress, shape.layerNormEpsilon)
            linear(layer.intermediate, input: projected, rows: total, output: wide)
            parallel(total) { range in
                rl_gelu(wide.base + range.lowerBound * shape.intermediate, range.count * shape.intermediate)
            }
            linear(layer.output, input: wide, rows: total, output: hidden)
            rl_residual_layernorm(hidden.base, projected.base, Int32(total), Int32(h), layer.outputNorm.gamma.baseAddress, layer.outputNorm.beta.baseAddress, shape.layerNormEpsilon)
        }

        return sequences.indices.map { index in
            var pooled = [Float](repeating: 0, count: h)
            pooled.withUnsafeMutableBufferPointer { out in
                rl_mean_pool_normalize(hidden.base + starts[index] * h, Int32(lengths[index]), Int32(h), out.baseAddress)
            }
            return pooled
        }
    }

    /// output[rows x outputs] = input[rows x inputs] * W^T + bias.
    private func linear(_ layer: Linear, input: SharedFloats, rows: Int, output: SharedFloats) {
        if rows >= blasThreshold {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(layer.outputs), Int32(layer.inputs),
                1, input.base, Int32(layer.inputs), layer.weights.baseAddress, Int32(layer.inputs), 0, output.base, Int32(layer.outputs)
            )
            rl_add_bias(output.base, Int32(rows), Int32(layer.outputs), layer.bias.baseAddress)
            return
        }
        let packed = SharedFloats(existing: layer.packed.assumingMemoryBound(to: Float.self))
        if rows >= 6 * threads * 4 {
            // Many rows: each thread takes its own rows and streams every panel past them.
            parallel((rows + 5) / 6) { range in
                let first = range.lowerBound * 6
                let count = min(rows, range.upperBound * 6) - first
                rl_linear_packed(
                    input.base + first * layer.inputs, Int32(count), Int32(layer.inputs), packed.base, Int32(layer.outputs),
                    layer.bias.baseAddress, output.base + first * layer.outputs, 0, Int32(layer.panels)
                )
            }
        } else {
            // Few rows (a question): the threads split the output columns instead.
            parallel(layer.panels) { range in
                rl_linear_packed(
                    input.base, Int32(rows), Int32(layer.inputs), packed.base, Int32(layer.outputs),
                    layer.bias.baseAddress, output.base, Int32(range.lowerBound), Int32(range.upperBound)
                )
            }
        }
    }

    /// Splits `count` items into `threads` contiguous ranges and runs them at once (one range: inline).
    private func parallel(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let parts = min(threads, count)
        guard parts > 1, let pool else {
            body(0..<count)
            return
        }
        pool.run(parts: parts) { part in
            body((count * part / parts)..<(count * (part + 1) / parts))
        }
    }
}

/// A float buffer handed to parallel workers. `@unchecked Sendable`: workers read shared inputs and
/// write disjoint ranges of their output, and the buffer outlives every parallel call that uses it.
struct SharedFloats: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>

    init(count: Int) {
        base = .allocate(capacity: max(1, count))
    }

    /// Wraps memory owned elsewhere (never deallocate it through this value).
    init(existing: UnsafeMutablePointer<Float>) {
        base = existing
    }

    func deallocate() {
        base.deallocate()
    }
}
