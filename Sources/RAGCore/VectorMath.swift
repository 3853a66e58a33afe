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

extension VectorMath {
    /// The dot product of two vectors of the same length (the cosine, for normalised ones).
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot product of vectors of \(a.count) and \(b.count) dimensions")
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var sum: Float = 0
                for index in 0..<x.count { sum += x[index] * y[index] }
                return sum
            }
        }
    }
}
