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
        let catchUp = CatchUp()
        await withDiscardingTaskGroup { group in
            group.addTask {
                // From then on this retriever knows every model published before it started.
                await catchUp.wait(for: loop.consumer, topic: Topics.knowledgeModels, logger: logger)
                guard !Task.isCancelled else { return }
                await models.markCaughtUp()
                let namespaces = await models.namespaces
                logger.info("knowledge models read up to the start", metadata: ["namespaces": "\(namespaces)"])
            }
            await loop.run { message in
                await apply(message)
                catchUp.consumed(message)
            }
            group.cancelAll()
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
