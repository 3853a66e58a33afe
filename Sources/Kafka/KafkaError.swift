/// An error from the Kafka layer. A struct with a code, so that new codes do not break callers.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: Sendable {
            case configuration, clientCreation, produce, delivery, consume, offsetStore, mockCluster, admin, closed, alreadyRunning, timedOut
        }
        fileprivate let value: Value

        public static let configuration = Code(value: .configuration)
        public static let clientCreation = Code(value: .clientCreation)
        public static let produce = Code(value: .produce)
        public static let delivery = Code(value: .delivery)
        public static let consume = Code(value: .consume)
        public static let offsetStore = Code(value: .offsetStore)
        public static let mockCluster = Code(value: .mockCluster)
        public static let admin = Code(value: .admin)
        /// The client is shut down (or shutting down): nothing more is sent or consumed.
        public static let closed = Code(value: .closed)
        /// `run()` was called twice.
        public static let alreadyRunning = Code(value: .alreadyRunning)
        /// A send's own limit passed before the broker acknowledged the record (which may still arrive).
        public static let timedOut = Code(value: .timedOut)

        public var description: String { "\(value)" }
    }

    public let code: Code
    public let message: String
    /// librdkafka's numeric error code, where there is one.
    public let underlyingCode: Int32?
    /// Whether retrying the same operation may succeed (librdkafka's retriable flag, or a full queue).
    public let isRetriable: Bool

    public init(code: Code, message: String, underlyingCode: Int32? = nil, isRetriable: Bool = false) {
        self.code = code
        self.message = message
        self.underlyingCode = underlyingCode
        self.isRetriable = isRetriable
    }

    public var description: String { "KafkaError(\(code)): \(message)" }
}
