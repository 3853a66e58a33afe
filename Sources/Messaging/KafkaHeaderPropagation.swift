import Kafka
import Tracing

// W3C trace context (`traceparent`, `tracestate`) carried in Kafka record headers, for the process-wide
// instrument (`InstrumentationSystem.instrument`): the producer injects its span's context, the consumer
// extracts it as the parent of its span. With the no-op tracer both do nothing.

/// Reads a trace-context header from a record's headers (the last one wins, as `KafkaConsumerMessage.header`).
public struct KafkaHeaderExtractor: Extractor {
    public init() {}

    public func extract(key: String, from carrier: [KafkaHeader]) -> String? {
        carrier.last(where: { $0.name == key })?.stringValue
    }
}

/// Writes a trace-context header into record headers, replacing one of the same name.
public struct KafkaHeaderInjector: Injector {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout [KafkaHeader]) {
        carrier.removeAll { $0.name == key }
        carrier.append(KafkaHeader(name: key, string: value))
    }
}

extension KafkaConsumerMessage {
    /// The context of the span that produced this record (a remote parent), or the top level when the
    /// record carries none or tracing is off.
    public var producerContext: ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: KafkaHeaderExtractor())
        return context
    }
}
