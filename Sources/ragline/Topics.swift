import ArgumentParser
import Kafka
import RAGCore
import RaglineApp

/// `ragline topics`: creates the pipeline topics and their dead-letter topics on a real cluster
/// (`KAFKA_BROKERS`), so topic creation is never left to a person. Existing topics are left alone.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "topics", abstract: "Create Ragline's topics on KAFKA_BROKERS (a real cluster).")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = await Bootstrap.configurationOrExit(options)
        let brokers = Bootstrap.brokersOrExit(configuration)
        let client: KafkaClientConfiguration
        do {
            client = try KafkaClientFactory.client(configuration, brokers: brokers, clientID: "ragline-topics")
        } catch {
            Bootstrap.fail(error)
        }
        let specifications = Topics.allWithDeadLetters.map {
            KafkaAdmin.TopicSpecification(
                name: $0, partitions: configuration.kafka.partitions, replicationFactor: configuration.kafka.replicationFactor,
                configs: Topics.compacted.contains($0) ? Topics.compactedTopicConfigs : [:]
            )
        }
        try await KafkaAdmin.createTopics(specifications, client: client)
        for topic in Topics.allWithDeadLetters {
            print("\(topic): \(configuration.kafka.partitions) partitions, replication factor \(configuration.kafka.replicationFactor)")
        }
    }
}
