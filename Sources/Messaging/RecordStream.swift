import Kafka

/// The records a role consumes: the seam between roles and the broker. Roles see this protocol, never a
/// Kafka client, so that their tests run on the in-memory bus of the test-support target.
///
/// Records of one partition arrive in order. A record's offset may be committed once it and every earlier
/// record of its partition are marked processed; what is not marked by shutdown is read again later.
public protocol RecordStream: Sendable {
    /// Fetches until `shutdown()` (graceful shutdown does not stop it: the consumer of the records decides
    /// when those in flight are done). Nothing arrives in `messages` before it runs.
    func run() async throws
    /// The records, in the order they were fetched. Ends when the stream shuts down.
    var messages: AsyncStream<KafkaConsumerMessage> { get }
    /// The record's output was acknowledged, or it was dead-lettered.
    func markProcessed(_ message: KafkaConsumerMessage)
    /// Partitions assigned now.
    var assignment: Set<KafkaTopicPartition> { get }
    /// Returns once a partition of `topic` is assigned (an event, not a poll), or on cancellation or shutdown.
    func waitForAssignment(of topic: String) async
    /// A listener's next offset of `partition` (past what it read or skipped, or where it started), when known.
    func position(of partition: KafkaTopicPartition) -> Int64?
    /// Returns once the group has given this reader its first assignment, even an empty one.
    func waitUntilJoined() async
    /// Returns true once joined and every assigned partition has been fetched once (records produced now
    /// arrive within one fetch); false when, once joined, `limit` passes first, or on cancellation or shutdown.
    func waitUntilFetching(within limit: Duration) async -> Bool
    /// The offset the next record of each partition will get.
    func highWatermarks(_ partitions: Set<KafkaTopicPartition>, timeout: Duration) async throws -> [KafkaTopicPartition: Int64]
    /// Stops fetching and commits what was marked processed.
    func shutdown() async
}

/// Where a role's records go. `send` returns once the broker has acknowledged the record.
public protocol RecordSink: Sendable {
    /// Returns once the broker has acknowledged `record`; with a `limit`, throws `KafkaError.Code.timedOut`
    /// when it has not by then (the record is not recalled and may still land).
    func send(_ record: KafkaOutgoingRecord, waitingAtMost limit: Duration?) async throws -> KafkaAcknowledgement
    /// Whether a broker answered recently: false while none is reachable, so that `/readyz` and new
    /// requests can refuse at once instead of waiting for a send to time out.
    var isReachable: Bool { get }
}

extension KafkaConsumer: RecordStream {}
extension KafkaProducer: RecordSink {}

extension RecordSink {
    public func send(_ record: KafkaOutgoingRecord) async throws -> KafkaAcknowledgement {
        try await send(record, waitingAtMost: nil)
    }
}
