/// The roles of the one `ragline` binary (the Loki pattern: one image, each role scaled on its own).
public enum Role: String, CaseIterable, Sendable {
    case gateway
    case retriever
    case responder
    case ingestWorker = "ingest-worker"

    /// What each role needs, in one table.
    public struct Needs: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let producer = Needs(rawValue: 1 << 0)
        public static let consumer = Needs(rawValue: 1 << 1)
        public static let embedder = Needs(rawValue: 1 << 2)
        public static let index = Needs(rawValue: 1 << 3)
        public static let chatModel = Needs(rawValue: 1 << 4)
        public static let objectStore = Needs(rawValue: 1 << 5)
        public static let httpAPI = Needs(rawValue: 1 << 6)
    }

    public var needs: Needs {
        switch self {
        case .gateway: [.producer, .consumer, .httpAPI]
        case .retriever: [.producer, .consumer, .embedder, .index]
        case .responder: [.producer, .consumer, .chatModel]
        case .ingestWorker: [.producer, .consumer, .embedder, .index, .objectStore]
        }
    }
}
