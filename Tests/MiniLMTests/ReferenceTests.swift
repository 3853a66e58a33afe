import CMiniLM
import Foundation
import MiniLM
import RAGCore
import Testing

/// Token ids and embeddings against sentence-transformers' own output for 64 texts (Fixtures/README.md).
@Suite struct ReferenceTests {
    struct Reference: Decodable {
        let text: String
        let input_ids: [Int32]
        let embedding: [Float]
    }

    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static let modelDirectory = ProcessInfo.processInfo.environment["RAGLINE_MODEL_DIR"]
        ?? repository.appendingPathComponent("models/all-MiniLM-L6-v2").path

    static let references: [Reference] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/reference_embeddings.jsonl")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
    }()

    /// Loaded once for the suite: the model is 90 MB.
    static let embedder: Result<MiniLMEmbedder, any Error> = Result { try MiniLMEmbedder(directory: modelDirectory, threads: 2) }

    func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    @Test func referenceSetIsComplete() {
        #expect(Self.references.count == 64)
    }

    @Test func tokenIdsEqualTheReference() throws {
        let embedder = try Self.embedder.get()
        var mismatches: [String] = []
        for reference in Self.references {
            let ids = embedder.tokenizer.encode(reference.text)
            if ids != reference.input_ids {
                mismatches.append("\(reference.text.prefix(40).debugDescription): got \(ids.prefix(20)) expected \(reference.input_ids.prefix(20))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts differ:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test func embeddingsMatchOneByOne() async throws {
        let embedder = try Self.embedder.get()
        var worst = (1.0, "")
        for reference in Self.references {
            let vector = try await embedder.embed([reference.text], kind: .passage)[0]
            let similarity = cosine(vector, reference.embedding)
            if similarity < worst.0 { worst = (similarity, reference.text) }
            #expect(similarity >= 0.9999, "\(reference.text.prefix(60).debugDescription): cosine \(similarity)")
        }
        print("MiniLM reference: worst cosine \(worst.0) for \(worst.1.prefix(40).debugDescription)")
    }

    @Test(arguments: [Int.max, 1])
    func embeddingsMatchInBatchesWithTheKernelAndWithOpenBLAS(blasThreshold: Int) throws {
        // The whole set in one call: 64 texts in batches of 32 (hundreds of rows, threads split rows).
        let embedder = try MiniLMEmbedder(directory: Self.modelDirectory, threads: 2, blasThreshold: blasThreshold)
        let vectors = embedder.embedNow(Self.references.map(\.text))
        for (vector, reference) in zip(vectors, Self.references) {
            #expect(cosine(vector, reference.embedding) >= 0.9999, "\(reference.text.prefix(60).debugDescription)")
        }
    }

    @Test func paraphrasesAreCloserThanUnrelatedQuestions() async throws {
        let embedder = try Self.embedder.get()
        let vectors = try await embedder.embed([
            "What should I do if my train arrives more than an hour late?", "What happens if my train is delayed?", "What is your return policy?",
        ], kind: .query)
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2)
        #expect(vectors[0].count == 384)
    }

    @Test func missingModelFilesNameTheInstallCommand() {
        #expect {
            try MiniLMEmbedder(directory: "/nonexistent/model")
        } throws: { error in
            "\(error)".contains("scripts/install-model.sh")
        }
    }
}

@Suite struct KernelTests {
    /// The packed kernel against a plain triple loop, on shapes with edge rows and a partial panel.
    @Test(arguments: [(1, 7, 5), (6, 16, 16), (7, 33, 40), (13, 384, 50)])
    func packedLinearMatchesNaive(rows: Int, inputs: Int, outputs: Int) {
        var generator = SystemRandomNumberGenerator()
        let x = (0..<(rows * inputs)).map { _ in Float.random(in: -1...1, using: &generator) }
        let w = (0..<(outputs * inputs)).map { _ in Float.random(in: -1...1, using: &generator) }
        let bias = (0..<outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        let packed = UnsafeMutableRawPointer.allocate(byteCount: rl_packed_size(Int32(outputs), Int32(inputs)) * 4, alignment: 64)
        defer { packed.deallocate() }
        let packedFloats = packed.assumingMemoryBound(to: Float.self)
        rl_pack_weights(w, Int32(outputs), Int32(inputs), packedFloats)
        var y = [Float](repeating: .nan, count: rows * outputs)
        let panels = (outputs + 15) / 16
        rl_linear_packed(x, Int32(rows), Int32(inputs), packedFloats, Int32(outputs), bias, &y, 0, Int32(panels))
        for i in 0..<rows {
            for j in 0..<outputs {
                var expected = bias[j]
                for k in 0..<inputs { expected += x[i * inputs + k] * w[j * inputs + k] }
                #expect(abs(y[i * outputs + j] - expected) < 1e-3, "(\(i), \(j))")
            }
        }
    }
}

extension KernelTests {
    /// Attention of every head against softmax(QK^T / sqrt(d)) V in doubles: short sequences take the AVX-512
    /// path (on CPUs that have it), longer ones the general path, and both head sizes it handles are covered.
    @Test(arguments: [1, 5, 12, 16, 17, 32, 33, 47], [32, 64])
    func attentionMatchesNaive(valid: Int, headDimension: Int) {
        let hidden = 128
        let heads = hidden / headDimension
        let width = 3 * hidden
        var generator = SystemRandomNumberGenerator()
        let qkv = (0..<(valid * width)).map { _ in Float.random(in: -2...2, using: &generator) }
        var out = [Float](repeating: .nan, count: valid * hidden)
        var scratch = [Float](repeating: .nan, count: rl_attention_scratch_size(Int32(valid), Int32(headDimension)))
        for head in 0..<heads {
            rl_attention_head(qkv, Int32(valid), Int32(valid), Int32(hidden), Int32(head), Int32(headDimension), &out, &scratch)
        }
        let scale = 1 / Double(headDimension).squareRoot()
        for head in 0..<heads {
            let offset = head * headDimension
            for i in 0..<valid {
                let scores = (0..<valid).map { j in
                    (0..<headDimension).reduce(0.0) { $0 + Double(qkv[i * width + offset + $1]) * Double(qkv[j * width + hidden + offset + $1]) } * scale
                }
                let top = scores.max()!
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for t in 0..<headDimension {
                    let expected = (0..<valid).reduce(0.0) { $0 + weights[$1] / total * Double(qkv[$1 * width + 2 * hidden + offset + t]) }
                    #expect(abs(Double(out[i * hidden + offset + t]) - expected) < 1e-5, "valid \(valid), head \(head), row \(i), \(t)")
                }
            }
        }
    }

    /// LayerNorm(x + residual) against doubles, on the vector path (d a multiple of 8) and the portable one.
    @Test(arguments: [384, 20, 13])
    func residualLayerNormMatchesNaive(dimension: Int) {
        let rows = 3
        var generator = SystemRandomNumberGenerator()
        let input = (0..<(rows * dimension)).map { _ in Float.random(in: -3...3, using: &generator) }
        let residual = (0..<(rows * dimension)).map { _ in Float.random(in: -3...3, using: &generator) }
        let gamma = (0..<dimension).map { _ in Float.random(in: 0.5...1.5, using: &generator) }
        let beta = (0..<dimension).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        for withResidual in [true, false] {
            var x = input
            if withResidual {
                rl_residual_layernorm(&x, residual, Int32(rows), Int32(dimension), gamma, beta, 1e-12)
            } else {
                rl_residual_layernorm(&x, nil, Int32(rows), Int32(dimension), gamma, beta, 1e-12)
            }
            for i in 0..<rows {
                let row = (0..<dimension).map { Double(input[i * dimension + $0]) + (withResidual ? Double(residual[i * dimension + $0]) : 0) }
                let mean = row.reduce(0, +) / Double(dimension)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(dimension)
                for j in 0..<dimension {
                    let expected = (row[j] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[j]) + Double(beta[j])
                    #expect(abs(Double(x[i * dimension + j]) - expected) < 1e-4, "residual \(withResidual), row \(i), \(j)")
                }
            }
        }
    }
}

@Suite struct ConcurrencyTests {
    @Test func concurrentCallersGetTheSameVectorsAsSequentialOnes() async throws {
        let embedder = try ReferenceTests.embedder.get()
        let texts = ReferenceTests.references.prefix(24).map(\.text)
        let sequential = embedder.embedNow(texts)
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await embedder.embed([text], kind: index.isMultiple(of: 2) ? .query : .passage)[0]) }
            }
            var results = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { results[index] = vector }
            return results
        }
        for (a, b) in zip(sequential, concurrent) {
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }
}
