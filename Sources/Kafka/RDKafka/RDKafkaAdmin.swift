import CKafka
import Foundation

/// Topic administration in C: the CreateTopics admin API.
enum RDKafkaAdmin {
    /// CreateTopics through a short-lived client (blocks up to the timeout).
    static func createTopics(
        _ topics: [KafkaAdmin.TopicSpecification], properties: [String: String], oauthBearerTokenProvider: KafkaOAuthBearerTokenProvider?, timeoutMilliseconds: Int32
    ) throws {
        let conf = try RDKafkaConfig.make(properties)
        let callbacks = RDKafkaCallbackTarget(oauthBearerTokenProvider: oauthBearerTokenProvider)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        RDKafkaCallbackTarget.installOAuthBearer(on: conf, provider: oauthBearerTokenProvider)
        let handle = try RDKafkaHandle(kind: .producer, conf: conf)
        RDKafkaCallbackTarget.enableBackgroundSASL(handle, provider: oauthBearerTokenProvider)
        try withExtendedLifetime(callbacks) {
            try createTopics(topics, handle: handle, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    private static func createTopics(_ topics: [KafkaAdmin.TopicSpecification], handle: RDKafkaHandle, timeoutMilliseconds: Int32) throws {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorBuffer, errorBuffer.count) else {
                throw KafkaError(code: .admin, message: "topic \(topic.name): \(String(errorBuffer: errorBuffer))")
            }
            newTopics.append(newTopic)
            for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                let error = rd_kafka_NewTopic_set_config(newTopic, name, value)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(code: .admin, rdError: error, context: "topic \(topic.name) config \(name)")
                }
            }
        }
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorBuffer, errorBuffer.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 5_000) else {
            throw KafkaError(code: .admin, message: "CreateTopics timed out")
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: .admin, rdError: rd_kafka_event_error(event), context: "CreateTopics")
        }
        let result = rd_kafka_event_CreateTopics_result(event)
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let error = rd_kafka_topic_result_error(topicResult)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let reason = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw KafkaError(code: .admin, message: "create topic \(name): \(reason)")
            }
        }
    }
}
