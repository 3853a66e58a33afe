import Foundation
import Logging
import Synchronization

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
public final class KafkaConsumer: Sendable {
    public typealias Messages = AsyncStream<KafkaConsumerMessage>

    /// The records, in the order they were fetched. Ends when the consumer shuts down.
    public let messages: Messages

    private let client: RDKafkaConsumer
    private let topics: [String]
    private let lifecycle = Mutex(ClientStateMachine())
    private let stopRequested = OneShotSignal()
    private let closedSignal = OneShotSignal()

    public init(configuration: KafkaConsumerConfiguration, topics: [String], logger: Logger) throws {
        precondition(configuration.maxInFlight > 0, "maxInFlight must be positive")
        let (stream, continuation) = AsyncStream<KafkaConsumerMessage>.makeStream()
        client = try RDKafkaConsumer(configuration: configuration, continuation: continuation, logger: logger)
        self.messages = stream
        self.topics = topics
    }

    /// Subscribes, then polls until `shutdown()`; then commits what was marked processed and leaves the group.
    public func run() async throws {
        switch lifecycle.withLock({ $0.run() }) {
        case .fail(let reason):
            throw KafkaError(code: reason.contains("already") ? .alreadyRunning : .closed, message: "consumer: \(reason)")
        case .startPolling:
            break
        }
        let client = self.client
        let stopRequested = self.stopRequested
        do {
            try client.subscribe(topics)
        } catch {
            _ = lifecycle.withLock { $0.shutdown() }
            await close(stopping: nil)
            throw error
        }
        let pollLoop = BlockingLoopThread(name: "kafka-consumer-poll") {
            client.pollOnce()
        }
        await withTaskCancellationHandler {
            await stopRequested.wait()
        } onCancel: {
            stopRequested.fire()
        }
        _ = lifecycle.withLock { $0.shutdown() }
        await close(stopping: pollLoop)
    }

    /// Marks `message` processed: its output was acknowledged or it was dead-lettered. Frees a slot and
    /// stores the partition's offset when everything before it is processed too. Ignored once closed.
    public func markProcessed(_ message: KafkaConsumerMessage) {
        guard lifecycle.withLock({ $0.acceptsWork }) else { return }
        client.markProcessed(message)
    }

    /// Stops fetching, commits stored offsets, leaves the group, and ends `messages`. Records handed out but
    /// not marked processed by now are read again by whoever owns their partition next.
    public func shutdown() async {
        switch lifecycle.withLock({ $0.shutdown() }) {
        case .signalRunner:
            stopRequested.fire()
            await closedSignal.wait()
        case .closeHere:
            await close(stopping: nil)
        case .waitForClose:
            await closedSignal.wait()
        }
    }

    private func close(stopping pollLoop: BlockingLoopThread?) async {
        let client = self.client
        client.shared.stopping()
        // Both calls block: keep them off the cooperative pool.
        await onDedicatedThread {
            pollLoop?.stopAndWait()
            client.close()
        }
        client.shared.finishStream()
        lifecycle.withLock { $0.closed() }
        closedSignal.fire()
    }

    /// Partitions currently assigned to this consumer.
    public var assignment: Set<KafkaTopicPartition> { client.shared.assigned }

    /// Returns once a partition of `topic` is assigned to this consumer: woken by the rebalance that
    /// assigns it, not by polling. Returns early when the task is cancelled or the consumer shuts down.
    public func waitForAssignment(of topic: String) async {
        await client.shared.waitForAssignment(of: topic)
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

extension KafkaConsumer {
    /// Runs the consumer around `body` and shuts it down after, for a consumer outside a consume loop.
    public func whileRunning<T>(_ body: () async throws -> T) async throws -> T {
        let running = Task { try await self.run() }
        do {
            let result = try await body()
            await shutdown()
            _ = try? await running.value
            return result
        } catch {
            await shutdown()
            _ = try? await running.value
            throw error
        }
    }
}
