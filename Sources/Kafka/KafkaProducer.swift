import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent producer (`acks=all`) whose `send` returns once the broker has acknowledged the record.
///
/// A `Service`: `run()` serves delivery reports on a thread of its own until graceful shutdown (or
/// `shutdown()`), then flushes what is queued and closes. Records sent before `run()` wait in the local
/// queue. After shutdown begins, `send` fails at once with `KafkaError.Code.closed`.
public final class KafkaProducer: Service, KafkaClient {
    private let client: RDKafkaProducer
    private let lifecycle = ClientLifecycle(client: "producer")
    private let reachable = Flag(true)
    private let messageTimeout: Duration
    private let logger: Logger

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        client = try RDKafkaProducer(properties: configuration.properties, oauthBearerTokenProvider: configuration.client.oauthBearerTokenProvider)
        messageTimeout = .milliseconds(configuration.messageTimeoutMilliseconds)
        self.logger = logger
    }

    /// Produces `record` and waits for the broker's acknowledgement. Throws if librdkafka gives up on it
    /// (after `message.timeout.ms`), rejects it, or the producer is shut down. A full local queue is waited
    /// out with an awaited back-off, for at most `message.timeout.ms`.
    ///
    /// With a `limit`, it gives up waiting after that long with `KafkaError.Code.timedOut`. The record is not
    /// recalled: it may still be delivered. The poll thread enforces the limit (to within about 20 ms), so a
    /// send costs no timer task of its own.
    @discardableResult
    public func send(_ record: KafkaOutgoingRecord, waitingAtMost limit: Duration? = nil) async throws -> KafkaAcknowledgement {
        let clock = ContinuousClock()
        let giveUp = clock.now + min(messageTimeout, limit ?? messageTimeout)
        let deadline = limit.map { DispatchTime.now().uptimeNanoseconds + UInt64(max(0, ($0 / .nanoseconds(1)).rounded())) }
        var backoff = Duration.milliseconds(1)
        while true {
            guard lifecycle.acceptsWork else {
                throw KafkaError(code: .closed, message: "the producer is shut down; \(record.topic) record not sent")
            }
            do {
                // Once queued, delivery cannot be undone, so the wait ignores task cancellation: the report
                // always arrives within message.timeout.ms, or shutdown fails it.
                let client = self.client
                return try await withCheckedThrowingContinuation { continuation in
                    client.produce(record, deadline: deadline, continuation: continuation)
                }
            } catch let error as KafkaError where error.isQueueFull && clock.now < giveUp {
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .milliseconds(50))
            }
        }
    }

    public func run() async throws {
        try lifecycle.beginRun()
        let client = self.client
        // Delivery reports are served by rd_kafka_poll, which blocks: it gets its own thread, which also
        // fails the sends whose own limit has passed.
        let pollLoop = BlockingLoopThread(name: "kafka-producer-poll") {
            client.poll(milliseconds: 20)
            client.expireOverdue()
        }
        // A broker that stops answering (down, partitioned, frozen) is noticed within about a second, so
        // that callers can refuse work at once instead of waiting for a send to time out.
        let reachable = self.reachable
        let probe = BlockingLoopThread(name: "kafka-producer-probe") {
            reachable.value.store(client.brokersAnswer(within: 1_000), ordering: .relaxed)
            Thread.sleep(forTimeInterval: 0.25)
        }
        await lifecycle.waitUntilStopped(orGracefulShutdown: true)
        await onDedicatedThread { probe.stopAndWait() }
        await close(stoppingAfterFlush: pollLoop)
    }

    /// Whether a broker answered the last metadata probe (about every second while `run()` runs).
    public var isReachable: Bool {
        reachable.value.load(ordering: .relaxed)
    }

    /// Flushes, then stops serving delivery reports; records still pending fail their `send`. Waits for a
    /// running `run()` to do it, or does it here when the producer never ran.
    public func shutdown() async {
        await lifecycle.shutdown { await close(stoppingAfterFlush: nil) }
    }

    private func close(stoppingAfterFlush pollLoop: BlockingLoopThread?, timeout: Duration = .seconds(10)) async {
        let client = self.client
        let milliseconds = Int32(timeout.components.seconds * 1000)
        // rd_kafka_flush blocks (and serves reports itself): keep it off the cooperative pool.
        let remaining = await onDedicatedThread {
            let remaining = client.flush(milliseconds: milliseconds)
            pollLoop?.stopAndWait()
            return remaining
        }
        if remaining > 0 {
            logger.warning("Kafka producer closed with undelivered records", metadata: ["kafka.undelivered": "\(remaining)"])
        }
        client.failAll(KafkaError(code: .closed, message: "producer closed before delivery"))
        lifecycle.markClosed()
    }
}

/// A flag shared with a poll thread (an `Atomic` cannot be captured by its closure).
final class Flag: Sendable {
    let value: Atomic<Bool>

    init(_ initial: Bool) {
        value = Atomic(initial)
    }
}
