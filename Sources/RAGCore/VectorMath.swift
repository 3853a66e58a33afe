/// Vector helpers shared by every embedder and index.
public enum VectorMath {
    /// `vector` scaled to unit length (returned unchanged when it is all zeros).
    public static func normalized(_ vector: [Float]) -> [Float] {
        var norm: Float = 0
        for value in vector { norm += value * value }
        norm = norm.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}
