import CKafka

/// librdkafka's mock cluster in C: its threads and listeners, owned through a client handle.
///
/// `@unchecked Sendable`: librdkafka's mock API is thread-safe; the pointer is immutable and destroyed
/// once in `deinit`.
final class RDKafkaMockCluster: @unchecked Sendable {
    private let pointer: OpaquePointer
    private let client: RDKafkaHandle

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

    var bootstrapServers: String {
        String(cString: rd_kafka_mock_cluster_bootstraps(pointer))
    }

    func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws {
        let result = rd_kafka_mock_topic_create(pointer, name, Int32(partitions), Int32(replicationFactor))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: .mockCluster, rdError: result, context: "create topic \(name)")
        }
    }

    func setBroker(_ brokerID: Int32, up: Bool) {
        _ = up ? rd_kafka_mock_broker_set_up(pointer, brokerID) : rd_kafka_mock_broker_set_down(pointer, brokerID)
    }

    func setBrokerRoundTrip(_ brokerID: Int32, milliseconds: Int) {
        _ = rd_kafka_mock_broker_set_rtt(pointer, brokerID, Int32(milliseconds))
    }
}
