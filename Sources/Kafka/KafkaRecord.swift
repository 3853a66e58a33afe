import Foundation

public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: Data

    public init(name: String, value: Data) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Data(string.utf8))
    }

    public var stringValue: String { String(decoding: value, as: UTF8.self) }
}

/// A record to produce.
public struct KafkaOutgoingRecord: Sendable {
    public var topic: String
    public var key: Data?
    public var value: Data
    public var headers: [KafkaHeader]
    public var partitioning: Partitioning

    /// How the producer picks the record's partition.
    public enum Partitioning: Sendable {
        /// By the key's hash (librdkafka's default): one key, one partition, in order.
        case byKey
        /// Where the producer is batching right now (one partition per 1-4 ms), the key travelling with the
        /// record without choosing its partition: for records whose keys need no order among themselves
        /// (each question has a new id). Fewer, larger requests and delivery reports.
        case batched
    }

    public init(topic: String, key: Data?, value: Data, headers: [KafkaHeader] = [], partitioning: Partitioning = .byKey) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partitioning = partitioning
    }
}

/// Where the broker stored a produced record.
public struct KafkaAcknowledgement: Sendable, Hashable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A consumed record. Mark it processed with `KafkaConsumer.markProcessed` once its output is acknowledged.
public struct KafkaConsumerMessage: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: Data?
    public let value: Data
    public let headers: [KafkaHeader]
    /// Broker or producer timestamp, when present.
    public let timestamp: Date?

    public init(
        topic: String, partition: Int32, offset: Int64, key: Data?, value: Data,
        headers: [KafkaHeader], timestamp: Date?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    public func header(_ name: String) -> String? {
        headers.last(where: { $0.name == name })?.stringValue
    }

    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
