import RAGCore

/// A dependency-free embedder: word and character-trigram features hashed into a fixed number of
/// signed dimensions (the hashing trick), L2-normalised.
///
/// It matches shared words and word stems ("delay"/"delayed"), not meanings; it is the fallback when no
/// model files are installed, and the semantic MiniLM embedder replaces it through the same protocol.
public struct LexicalEmbedder: Embedder {
    public let dimensions: Int
    public var modelID: String { "ragline-lexical-\(dimensions)" }

    public init(dimensions: Int = 512) {
        precondition(dimensions > 0)
        self.dimensions = dimensions
    }

    private static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "by", "with", "is", "are", "be",
        "i", "my", "me", "we", "our", "you", "your", "it", "its", "do", "does", "can", "could", "should",
        "what", "how", "if", "that", "this", "there", "from", "as", "am", "was", "will", "would", "any",
    ]

    public func embed(_ texts: [String], kind: EmbeddingKind) async throws -> [[Float]] {
        texts.map(vector(for:))
    }

    func vector(for text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        for word in words where !Self.stopWords.contains(word) {
            add("w:" + word, weight: 1.0, to: &vector)
            let padded = Array("^" + word + "$")
            if padded.count > 3 {
                for start in 0...(padded.count - 3) {
                    add("t:" + String(padded[start..<(start + 3)]), weight: 0.35, to: &vector)
                }
            }
        }
        return VectorMath.normalized(vector)
    }

    private func add(_ feature: String, weight: Float, to vector: inout [Float]) {
        // FNV-1a: stable across runs and processes, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in feature.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let index = Int(hash % UInt64(dimensions))
        let sign: Float = (hash >> 63) == 0 ? 1 : -1
        vector[index] += sign * weight
    }
}
