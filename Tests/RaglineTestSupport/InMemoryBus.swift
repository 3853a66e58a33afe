import Foundation
import Kafka
import Messaging
import Synchronization

/// The broker's stand-in behind the `RecordStream`/`RecordSink` seam, for role and router tests that then
/// run without librdkafka: one partition per topic, offsets from 0, and every stream reads its topics from
/// the start (as a new consumer group with `auto.offset.reset=earliest` does) or from now.
public final class InMemoryBus: RecordSink {
    private struct Subscriber {
        var topics: Set<String>
        var continuation: AsyncStream<KafkaConsumerMessage>.Continuation
    }

    private struct State {
        var logs: [String: [KafkaConsumerMessage]] = [:]
        /// Every record of every topic, in the order sent.
        var sent: [KafkaConsumerMessage] = []
        var subscribers: [UInt64: Subscriber] = [:]
        var nextSubscriber: UInt64 = 0
    }

    private let state = Mutex(State())
    /// While stalled, sends wait (a frozen broker) and the bus reports itself unreachable.
    private let stall = Mutex<(stalled: Bool, unreachable: Bool, waiting: [UInt64: CheckedContinuation<Bool, Never>], nextWaiter: UInt64)>((false, false, [:], 0))

    public init() {}

    public var isReachable: Bool { !stall.withLock { $0.unreachable } }

    /// Freezes the bus: sends wait until `resume()`. A frozen broker is usually noticed (`isReachable`
    /// false); `noticed: false` is the moment before it is.
    public func freeze(noticed: Bool = true) {
        stall.withLock { $0.stalled = true; $0.unreachable = noticed }
    }

    public func resume() {
        let waiting = stall.withLock { stall in
            defer { stall = (false, false, [:], stall.nextWaiter) }
            return stall.waiting.values
        }
        for sender in waiting { sender.resume(returning: true) }
    }

    public func send(_ record: KafkaOutgoingRecord, waitingAtMost limit: Duration?) async throws -> KafkaAcknowledgement {
        // While frozen, a send waits for `resume()` or, with a limit, gives up as the producer does.
        let proceeded = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let waiter: UInt64? = stall.withLock { stall in
                guard stall.stalled else { return nil }
                stall.nextWaiter += 1
                stall.waiting[stall.nextWaiter] = continuation
                return stall.nextWaiter
            }
            guard let waiter else { return continuation.resume(returning: true) }
            if let limit {
                Task {
                    try? await Task.sleep(for: limit)
                    self.stall.withLock { $0.waiting.removeValue(forKey: waiter) }?.resume(returning: false)
                }
            }
        }
        guard proceeded else {
            throw KafkaError(code: .timedOut, message: "the in-memory bus is frozen")
        }
        return state.withLock { state in
            let offset = Int64(state.logs[record.topic]?.count ?? 0)
            let message = KafkaConsumerMessage(
                topic: record.topic, partition: 0, offset: offset, key: record.key, value: record.value, headers: record.headers, timestamp: Date()
            )
            state.logs[record.topic, default: []].append(message)
            state.sent.append(message)
            // Yielding under the lock keeps every subscriber's order the log's order.
            for subscriber in state.subscribers.values where subscriber.topics.contains(record.topic) {
                subscriber.continuation.yield(message)
            }
            return KafkaAcknowledgement(topic: record.topic, partition: 0, offset: offset)
        }
    }

    /// Every record of `topics` so far, in the order sent.
    public func records(in topics: [String]) -> [KafkaConsumerMessage] {
        let wanted = Set(topics)
        return state.withLock { $0.sent.filter { wanted.contains($0.topic) } }
    }

    /// A stream of `topics`, from their start or only what is sent from now.
    public func stream(topics: [String], fromStart: Bool = true) -> InMemoryRecordStream {
        let (messages, continuation) = AsyncStream<KafkaConsumerMessage>.makeStream()
        let id = state.withLock { state in
            defer { state.nextSubscriber += 1 }
            if fromStart {
                let wanted = Set(topics)
                for message in state.sent where wanted.contains(message.topic) { continuation.yield(message) }
            }
            state.subscribers[state.nextSubscriber] = Subscriber(topics: Set(topics), continuation: continuation)
            return state.nextSubscriber
        }
        return InMemoryRecordStream(bus: self, id: id, topics: topics, messages: messages, continuation: continuation)
    }

    func unsubscribe(_ id: UInt64) {
        state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
    }

    func highWatermark(of topic: String) -> Int64 {
        state.withLock { Int64($0.logs[topic]?.count ?? 0) }
    }
}

/// One reader of an `InMemoryBus`: its partitions are assigned at once, and it remembers what was marked
/// processed (what a Kafka consumer would commit).
public final class InMemoryRecordStream: RecordStream {
    public let messages: AsyncStream<KafkaConsumerMessage>
    private let bus: InMemoryBus
    private let id: UInt64
    private let topics: [String]
    private let continuation: AsyncStream<KafkaConsumerMessage>.Continuation
    private let processed = Mutex<[KafkaTopicPartition: Int64]>([:])

    init(bus: InMemoryBus, id: UInt64, topics: [String], messages: AsyncStream<KafkaConsumerMessage>, continuation: AsyncStream<KafkaConsumerMessage>.Continuation) {
        self.bus = bus
        self.id = id
        self.topics = topics
        self.messages = messages
        self.continuation = continuation
    }

    /// Nothing to fetch: records arrive as they are sent.
    public func run() async throws {}

    public func markProcessed(_ message: KafkaConsumerMessage) {
        processed.withLock { $0[message.topicPartition] = max($0[message.topicPartition] ?? -1, message.offset) }
    }

    /// The highest offset marked processed per partition.
    public var processedOffsets: [KafkaTopicPartition: Int64] { processed.withLock { $0 } }

    public var assignment: Set<KafkaTopicPartition> {
        Set(topics.map { KafkaTopicPartition(topic: $0, partition: 0) })
    }

    public func waitForAssignment(of topic: String) async {}

    public func waitUntilJoined() async {}

    public func waitUntilFetching(within limit: Duration) async -> Bool { true }

    public func position(of partition: KafkaTopicPartition) -> Int64? { nil }

    public func highWatermarks(_ partitions: Set<KafkaTopicPartition>, timeout: Duration) async throws -> [KafkaTopicPartition: Int64] {
        Dictionary(uniqueKeysWithValues: partitions.map { ($0, $0.partition == 0 ? bus.highWatermark(of: $0.topic) : 0) })
    }

    public func shutdown() async {
        bus.unsubscribe(id)
        continuation.finish()
    }
}

/// Collects every record of some topics of an `InMemoryBus`, for assertions (as `TopicReader` on Kafka).
public final class InMemoryTopicReader: Sendable {
    private let bus: InMemoryBus
    private let topics: [String]

    public init(bus: InMemoryBus, topics: [String]) {
        self.bus = bus
        self.topics = topics
    }

    /// Every record of the topics so far, in the order they were sent.
    public var all: [KafkaConsumerMessage] {
        bus.records(in: topics)
    }

    public func stop() async {}
}
