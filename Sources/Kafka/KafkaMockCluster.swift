import CKafka
import Foundation

/// librdkafka's in-process mock cluster: real Kafka protocol over TCP on 127.0.0.1, so any Kafka client
/// (kcat included) can connect to `bootstrapServers`. Each broker's port is chosen by the OS.
public final class KafkaMockCluster: Sendable {
    /// Owner of the cluster's threads and listeners (`@unchecked Sendable`: librdkafka's mock API is
    /// thread-safe; the pointer is immutable and destroyed once in `deinit`).
    private final class Cluster: @unchecked Sendable {
        let pointer: OpaquePointer
        let client: RDKafkaHandle

        init(brokers: Int) throws {
            let conf = try RDKafkaConfig.make(["log_level": "3"])
            client = try RDKafkaHandle(kind: .producer, conf: conf)
            guard let cluster = rd_kafka_mock_cluster_new(client.pointer, Int32(brokers)) else {
                throw KafkaError(code: .mockCluster, message: "could not start the mock cluster")
            }
            pointer = cluster
        }

        deinit {
            rd_kafka_mock_cluster_destroy(pointer)
        }
    }

    private let cluster: Cluster
    /// `host:port,...` of the mock brokers.
    public let bootstrapServers: String

    public init(brokers: Int = 1) throws {
        cluster = try Cluster(brokers: brokers)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster.pointer))
    }

    /// Creates a topic (the mock does not implement the CreateTopics admin API).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let result = rd_kafka_mock_topic_create(cluster.pointer, name, Int32(partitions), Int32(replicationFactor))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .mockCluster, rdError: result, context: "create topic \(name)")
        }
    }

    /// Takes a broker down (closes its connections, refuses new ones) for failure tests.
    public func setBrokerDown(_ brokerID: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster.pointer, brokerID)
    }

    public func setBrokerUp(_ brokerID: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster.pointer, brokerID)
    }

    /// Adds round-trip latency to a broker's responses.
    public func setBrokerRoundTrip(_ brokerID: Int32, milliseconds: Int) {
        _ = rd_kafka_mock_broker_set_rtt(cluster.pointer, brokerID, Int32(milliseconds))
    }
}
