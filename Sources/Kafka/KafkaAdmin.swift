import Foundation
import Logging

/// Topic administration against a real broker (CreateTopics). The mock cluster does not implement it;
/// use `KafkaMockCluster.createTopic` there.
public enum KafkaAdmin {
    public struct TopicSpecification: Sendable, Hashable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        /// Topic configuration entries, such as `cleanup.policy=compact` or `max.message.bytes`.
        public var configs: [String: String]

        public init(name: String, partitions: Int, replicationFactor: Int, configs: [String: String] = [:]) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.configs = configs
        }
    }

    /// Creates the topics that do not exist yet. Existing topics are left as they are. Blocks a dedicated
    /// thread for up to `timeout`.
    public static func createTopics(
        _ topics: [TopicSpecification], client: KafkaClientConfiguration, timeout: Duration = .seconds(30)
    ) async throws {
        let properties = client.baseProperties.merging(client.additionalProperties) { _, new in new }
        let provider = client.oauthBearerTokenProvider
        let milliseconds = Int32(timeout.components.seconds * 1000)
        try await onDedicatedThread {
            try RDKafkaAdmin.createTopics(topics, properties: properties, oauthBearerTokenProvider: provider, timeoutMilliseconds: milliseconds)
        }
    }
}
