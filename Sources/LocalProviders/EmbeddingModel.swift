import RAGCore

/// The embedding model whose vectors a local index holds: its id and its vectors' dimension. The index
/// records it in its directory, so that vectors of two models never mix.
public struct EmbeddingModel: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The embedder's `modelID`.
    public var id: String
    /// The embedder's `dimensions`: the length of every vector.
    public var dimensions: Int

    public init(id: String, dimensions: Int) {
        self.id = id
        self.dimensions = dimensions
    }

    /// The model of the vectors `embedder` makes.
    public init(of embedder: any Embedder) {
        self.init(id: embedder.modelID, dimensions: embedder.dimensions)
    }

    /// `<id> (<n> dimensions)`.
    public var description: String { "\(id) (\(dimensions) dimensions)" }

    private enum CodingKeys: String, CodingKey {
        case id = "model"
        case dimensions
    }
}
