import Foundation
import Kafka
import Logging
import RAGCore
import ServiceLifecycle
import Tracing

/// The consume-process-store loop every consuming role runs (DESIGN 5).
///
/// Records are processed concurrently up to the consumer's `maxInFlight`. A record is marked processed
/// (its offset may then be committed) only when `process` returns normally, i.e. its output was
/// acknowledged or it was dead-lettered. When `process` throws, the loop retries it with backoff until
/// it succeeds or shutdown begins; then the record stays uncommitted and is read again after a restart.
/// Each attempt runs in a consumer span ("<topic> process") whose parent is the producer's span.
public struct ConsumerLoop: Sendable {
    public let consumer: any RecordStream
    public let logger: Logger
    public let retry: RetryPolicy

    public init(consumer: any RecordStream, logger: Logger, retry: RetryPolicy = .untilShutdown) {
        self.consumer = consumer
        self.logger = logger
        self.retry = retry
    }

    /// - Parameter onJoined: runs once the group has given this consumer its first assignment (even an
    ///   empty one) and each assigned partition has been fetched once, so that a role reports ready only
    ///   when it takes its share at full speed: on the embedded broker the first join of a group takes
    ///   seconds, and the first fetch after an assignment another 150 ms.
    public func run(onJoined: @escaping @Sendable () -> Void = {}, process: @escaping @Sendable (KafkaConsumerMessage) async throws -> Void) async {
        let consumer = self.consumer
        let logger = self.logger
        await withDiscardingTaskGroup { fetching in
            fetching.addTask {
                do {
                    try await consumer.run()
                } catch {
                    logger.error("consumer stopped", metadata: ["error": "\(error)"])
                }
            }
            fetching.addTask {
                // Ready means warm: joined, and every assigned partition fetched once. After the limit the
                // role reports ready anyway (it is taking its share, only its first records are slower).
                // Also returns at shutdown; readiness never goes from stopping back to ready.
                if await !consumer.waitUntilFetching(within: .seconds(10)), !Task.isShuttingDownGracefully {
                    logger.warning("assigned partitions not fetched within 10 s; reporting ready anyway")
                }
                onJoined()
            }
            await processEach(process)
            // Every record handed out is processed or left: commit, leave the group, and end `run()`.
            await consumer.shutdown()
        }
    }

    /// Processes each record in a task of its own until graceful shutdown, and returns once every task is done.
    private func processEach(_ process: @escaping @Sendable (KafkaConsumerMessage) async throws -> Void) async {
        let consumer = self.consumer
        let logger = self.logger
        let retry = self.retry
        await withDiscardingTaskGroup { group in
            for await message in consumer.messages.cancelOnGracefulShutdown() {
                group.addTask {
                    let parent = message.producerContext
                    var attempt = 1
                    while true {
                        do {
                            try await Self.withProcessSpan(message, parent: parent, attempt: attempt) {
                                try await process(message)
                            }
                            consumer.markProcessed(message)
                            return
                        } catch {
                            if Task.isShuttingDownGracefully || Task.isCancelled {
                                logger.warning("record left unprocessed at shutdown; it will be read again", metadata: Self.metadata(message, error))
                                return
                            }
                            logger.warning("processing failed; retrying", metadata: Self.metadata(message, error))
                            try? await Task.sleep(for: retry.delay(beforeRetry: attempt))
                            attempt += 1
                        }
                    }
                }
            }
        }
    }

    private static func metadata(_ message: KafkaConsumerMessage, _ error: any Error) -> Logger.Metadata {
        ["kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)", "kafka.offset": "\(message.offset)", "error": "\(error)"]
    }
}

extension KafkaConsumerMessage {
    /// Header lookup in the shape `EventEnvelope.parse` takes.
    public var headerLookup: (String) -> String? {
        { name in self.header(name) }
    }
}

extension RetryPolicy {
    /// How a consume loop retries a record whose processing failed: until it succeeds or shutdown begins,
    /// quickly at first (a broker hiccup), then every 5 s (a provider that is down).
    public static let untilShutdown = RetryPolicy(maxAttempts: .max, initialDelay: .milliseconds(200), maxDelay: .seconds(5))
}
