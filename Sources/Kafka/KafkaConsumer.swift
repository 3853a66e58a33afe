import Foundation
import Logging

/// A group consumer exposed as an `AsyncSequence`.
///
/// `run()` subscribes and polls on a thread of its own until `shutdown()`; nothing is fetched before it.
/// At most `maxInFlight` records are handed out and not yet marked processed; the poll thread waits for a
/// free slot before fetching more, which bounds memory and concurrency. `markProcessed` stores the offset
/// once every earlier record of the same partition is processed too; librdkafka commits stored offsets
/// periodically, on partition revocation, and on close.
///
/// Graceful shutdown does not stop `run()`: whoever consumes decides when the records in flight are done
/// and then calls `shutdown()`, so that their offsets are committed on the way out.
public final class KafkaConsumer: KafkaClient {
    public typealias Messages = AsyncStream<KafkaConsumerMessage>

    /// The records, in the order they were fetched. Ends when the consumer shuts down.
    public let messages: Messages

    private let client: RDKafkaConsumer
    private let topics: [String]
    /// Whether this consumer commits what is marked processed (a group that shares work), or starts
    /// where `startOnAssign` says (a listener).
    private let commitsOffsets: Bool
    private let lifecycle = ClientLifecycle(client: "consumer")

    public init(configuration: KafkaConsumerConfiguration, topics: [String], logger: Logger) throws {
        precondition(configuration.maxInFlight > 0, "maxInFlight must be positive")
        let (stream, continuation) = AsyncStream<KafkaConsumerMessage>.makeStream()
        client = try RDKafkaConsumer(configuration: configuration, continuation: continuation, logger: logger)
        self.messages = stream
        self.topics = topics
        commitsOffsets = configuration.startOnAssign == nil
    }

    /// Subscribes, then polls until `shutdown()`; then commits what was marked processed and leaves the group.
    public func run() async throws {
        try lifecycle.beginRun()
        let client = self.client
        do {
            try client.subscribe(topics)
        } catch {
            lifecycle.abandonRun()
            await close(stopping: nil)
            throw error
        }
        let pollLoop = BlockingLoopThread(name: "kafka-consumer-poll") {
            client.pollOnce()
        }
        await lifecycle.waitUntilStopped(orGracefulShutdown: false)
        await close(stopping: pollLoop)
    }

    /// Marks `message` processed: its output was acknowledged or it was dead-lettered. Frees a slot and
    /// stores the partition's offset when everything before it is processed too. Ignored once closed.
    public func markProcessed(_ message: KafkaConsumerMessage) {
        guard lifecycle.acceptsWork else { return }
        client.markProcessed(message)
    }

    /// Stops fetching, commits stored offsets, leaves the group, and ends `messages`. Records handed out but
    /// not marked processed by now are read again by whoever owns their partition next.
    public func shutdown() async {
        await lifecycle.shutdown { await close(stopping: nil) }
    }

    private func close(stopping pollLoop: BlockingLoopThread?) async {
        let client = self.client
        let commitsOffsets = self.commitsOffsets
        client.shared.stopping()
        // Both calls block: keep them off the cooperative pool.
        await onDedicatedThread {
            pollLoop?.stopAndWait()
            client.close(committing: commitsOffsets)
        }
        client.shared.finishStream()
        lifecycle.markClosed()
    }

    /// For a consumer with `startOnAssign`: the next offset of `partition`, past what it read or skipped, or
    /// where it started; nil for a group consumer, or a partition it has not had.
    public func position(of partition: KafkaTopicPartition) -> Int64? {
        client.shared.position(of: partition)
    }

    /// Partitions currently assigned to this consumer.
    public var assignment: Set<KafkaTopicPartition> { client.shared.assigned }

    /// Returns once a partition of `topic` is assigned to this consumer: woken by the rebalance that
    /// assigns it, not by polling. Returns early when the task is cancelled or the consumer shuts down.
    public func waitForAssignment(of topic: String) async {
        await client.shared.waitForAssignment(of: topic)
    }

    /// Returns once the group has given this consumer its first assignment, even an empty one (a member
    /// of a group with more members than partitions): from then on it takes its share. Early on
    /// cancellation or shutdown.
    public func waitUntilJoined() async {
        await client.shared.waitForAssignment(of: nil)
    }

    /// Returns true once the group has given this consumer its first assignment and every assigned
    /// partition has been fetched once, so that a record produced now is read within one fetch: after an
    /// assignment librdkafka still looks up committed offsets (and resets them when there are none)
    /// before the first fetch, which takes about 150 ms on the embedded broker. The join itself is not
    /// bounded (a role waits for its broker); `limit` bounds the wait for the fetches after it. False when
    /// that limit passes, or on cancellation or shutdown.
    public func waitUntilFetching(within limit: Duration) async -> Bool {
        await waitUntilJoined()
        let deadline = ContinuousClock.now + limit
        // librdkafka signals no event when a partition's fetch starts; its cache is read every few ms.
        while !Task.isCancelled, !client.shared.isStopping, ContinuousClock.now < deadline {
            if client.shared.assigned.allSatisfy(client.hasFetched) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// The high watermark (the offset the next record will get) of each partition, asked of its leader.
    /// The query blocks, so it runs on a thread of its own.
    public func highWatermarks(_ partitions: Set<KafkaTopicPartition>, timeout: Duration = .seconds(5)) async throws -> [KafkaTopicPartition: Int64] {
        let client = self.client
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await onDedicatedThread {
            try client.highWatermarks(partitions, milliseconds: milliseconds)
        }
    }
}
