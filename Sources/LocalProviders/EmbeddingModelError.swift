/// Why a local index refuses an embedding model or a vector: storing or searching it would mix vectors of
/// two models. A struct with a code, so that new codes do not break callers.
public struct EmbeddingModelError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: Sendable {
            case otherModel, otherDimensions, unusableRecord
        }
        fileprivate let value: Value

        /// The index holds (or is bound to) vectors of another model, or of the same model at another
        /// dimension.
        public static let otherModel = Code(value: .otherModel)
        /// A vector to store or to search with has another dimension than the index's vectors.
        public static let otherDimensions = Code(value: .otherDimensions)
        /// The index's record of its model cannot be read or written.
        public static let unusableRecord = Code(value: .unusableRecord)

        public var description: String { "\(value)" }
    }

    public let code: Code
    /// The index directory.
    public let directory: String
    /// One line: what the index holds, what it refused, and how to fix it.
    public let message: String

    public init(code: Code, directory: String, message: String) {
        self.code = code
        self.directory = directory
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String { message }
}

extension EmbeddingModelError {
    /// An index that records `held` refuses to be bound to `requested`.
    static func otherModel(_ held: EmbeddingModel, requested: EmbeddingModel, directory: String, holdsVectors: Bool) -> Self {
        let state = holdsVectors ? "holds vectors of" : "is bound to"
        let undo = held.id == requested.id
            ? "configure \(held.id) with \(held.dimensions) dimensions again"
            : "set RAGLINE_EMBEDDER back to the embedder of \(held.id)"
        return Self(code: .otherModel, directory: directory, message: """
            the index at \(directory) \(state) \(held), not \(requested.id) (\(requested.dimensions)): \
            remove \(directory) and re-ingest the knowledge (or \(undo))
            """)
    }

    /// An index from before the record, holding vectors of `dimensions`, refuses to be bound to `requested`.
    static func unrecordedModel(dimensions: [Int], requested: EmbeddingModel, directory: String) -> Self {
        Self(code: .otherModel, directory: directory, message: """
            the index at \(directory) holds vectors of an unrecorded model (\(dimensions.map { String($0) }.joined(separator: " and ")) dimensions), \
            not \(requested.id) (\(requested.dimensions)): remove \(directory) and re-ingest the knowledge
            """)
    }

    /// A vector of `count` dimensions offered to an index holding vectors of `held` (nil: an unrecorded
    /// model) and `dimensions`. `vectorID` is nil for a query vector.
    static func otherDimensions(_ count: Int, vectorID: String?, held: EmbeddingModel?, dimensions: Int, directory: String) -> Self {
        let holder = held?.description ?? "an unrecorded model (\(dimensions) dimensions)"
        let vector = vectorID.map { "vector \"\($0)\"" } ?? "the query vector"
        return Self(code: .otherDimensions, directory: directory, message: """
            the index at \(directory) holds vectors of \(holder), not of \(count) dimensions (\(vector)): \
            embed with \(held?.id ?? "the index's model"), or remove \(directory) and re-ingest the knowledge
            """)
    }

    /// One batch offered to an empty, unbound index mixes dimensions.
    static func mixedDimensions(_ counts: [Int], vectorID: String, directory: String) -> Self {
        Self(code: .otherDimensions, directory: directory, message: """
            the index at \(directory) refuses a batch mixing vectors of \(counts.map { String($0) }.joined(separator: " and ")) dimensions \
            (vector "\(vectorID)"): embed every entry with one model
            """)
    }

    static func unreadableRecord(_ file: String, directory: String, reason: any Error) -> Self {
        Self(code: .unusableRecord, directory: directory, message: """
            the index at \(directory) has an unreadable embedding model record \(file) (\(reason)): \
            remove \(directory) and re-ingest the knowledge
            """)
    }

    static func unwritableRecord(_ file: String, directory: String, reason: String) -> Self {
        Self(code: .unusableRecord, directory: directory, message: "cannot record the embedding model of the index at \(directory) in \(file): \(reason)")
    }
}
