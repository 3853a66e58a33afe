/// librdkafka's in-process mock cluster: real Kafka protocol over TCP on 127.0.0.1, so any Kafka client
/// (kcat included) can connect to `bootstrapServers`. Each broker's port is chosen by the OS.
public final class KafkaMockCluster: Sendable {
    private let cluster: RDKafkaMockCluster
    /// `host:port,...` of the mock brokers.
    public let bootstrapServers: String

    public init(brokers: Int = 1) throws {
        cluster = try RDKafkaMockCluster(brokers: brokers)
        bootstrapServers = cluster.bootstrapServers
    }

    /// Creates a topic (the mock does not implement the CreateTopics admin API).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try cluster.createTopic(name, partitions: partitions, replicationFactor: replicationFactor)
    }

    /// Takes a broker down (closes its connections, refuses new ones) for failure tests.
    public func setBrokerDown(_ brokerID: Int32) {
        cluster.setBroker(brokerID, up: false)
    }

    public func setBrokerUp(_ brokerID: Int32) {
        cluster.setBroker(brokerID, up: true)
    }

    /// Adds round-trip latency to a broker's responses.
    public func setBrokerRoundTrip(_ brokerID: Int32, milliseconds: Int) {
        cluster.setBrokerRoundTrip(brokerID, milliseconds: milliseconds)
    }
}
