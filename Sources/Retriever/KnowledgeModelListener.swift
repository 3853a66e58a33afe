import Kafka
import Logging
import Messaging
import Metrics
import RAGCore
import ServiceLifecycle
import Synchronization

/// Reads the compacted `rag.knowledge.models` topic from its start, in a consumer group of this instance's
/// own, and keeps the latest model of each namespace in `KnowledgeModels` for the retriever.
///
/// A record that does not decode is logged and counted, not dead-lettered: every retriever reads every
/// record, so each would dead-letter the same one, and the record stays in the topic anyway.
public struct KnowledgeModelListener: Service {
    let loop: ConsumerLoop
    let models: KnowledgeModels
    let logger: Logger
    let malformed = Counter(label: "ragline_retriever_malformed_models_total")

    public init(consumer: any RecordStream, models: KnowledgeModels, logger: Logger) {
        var logger = logger
        logger[metadataKey: LogKeys.role] = "retriever"
        self.loop = ConsumerLoop(consumer: consumer, logger: logger)
        self.models = models
        self.logger = logger
    }

    public func run() async throws {
        let consumed = ConsumedOffsets()
        await withDiscardingTaskGroup { group in
            group.addTask {
                await markCaughtUp(consumed: consumed)
            }
            await loop.run { message in
                await apply(message)
                consumed.offsets.withLock { $0[message.topicPartition] = message.offset + 1 }
            }
            group.cancelAll()
        }
    }

    /// Once partitions are assigned, reads their high watermarks and waits until consumption reaches them:
    /// from then on this retriever knows every model published before it started.
    func markCaughtUp(consumed: ConsumedOffsets) async {
        let consumer = loop.consumer
        while !Task.isCancelled {
            await consumer.waitForAssignment(of: Topics.knowledgeModels)
            let assigned = consumer.assignment
            guard !assigned.isEmpty else {
                // Revoked again, or shutting down: wait a moment rather than spin.
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            do {
                let watermarks = try await consumer.highWatermarks(assigned, timeout: .seconds(5))
                while !Task.isCancelled {
                    let positions = consumed.offsets.withLock { $0 }
                    if watermarks.allSatisfy({ $0.value == 0 || (positions[$0.key] ?? 0) >= $0.value }) {
                        await models.markCaughtUp()
                        let namespaces = await models.namespaces
                        logger.info("knowledge models read up to the start", metadata: ["namespaces": "\(namespaces)"])
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            } catch {
                logger.warning("high watermarks of the models topic unknown; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func apply(_ message: KafkaConsumerMessage) async {
        switch IncomingEvent<KnowledgeModel>.decode(message, expectedType: EventTypes.knowledgeModelUpdated) {
        case .success(let event):
            await models.update(event.payload)
            logger.debug("knowledge model updated", metadata: ["namespace": "\(event.payload.namespace)", "groups": "\(event.payload.groupSizes.count)"])
        case .failure(let error):
            malformed.increment()
            logger.error("knowledge model record skipped", metadata: ["reason": "\(error.reason)", "kafka.offset": "\(message.offset)"])
        }
    }
}

/// The next offset to read of each partition, as the listener consumes (read by the catch-up check).
final class ConsumedOffsets: Sendable {
    let offsets = Mutex<[KafkaTopicPartition: Int64]>([:])
}
