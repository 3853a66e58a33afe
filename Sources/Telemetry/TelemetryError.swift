/// Tracing settings that swift-otel cannot honour. A struct with a code, so that new codes do not break callers.
public struct TelemetryError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Value: Sendable {
            case unsupportedPropagator, unsupportedProtocol, unsupportedSampler, unsupportedExporter
        }
        fileprivate let value: Value

        /// `OTEL_PROPAGATORS` names something other than `tracecontext` or `none`.
        public static let unsupportedPropagator = Code(value: .unsupportedPropagator)
        /// `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL=grpc`: Ragline is built with OTLP/HTTP only.
        public static let unsupportedProtocol = Code(value: .unsupportedProtocol)
        /// `OTEL_TRACES_SAMPLER` is a Jaeger-remote or X-Ray sampler.
        public static let unsupportedSampler = Code(value: .unsupportedSampler)
        /// `OTEL_TRACES_EXPORTER` is neither `otlp` nor `none`.
        public static let unsupportedExporter = Code(value: .unsupportedExporter)

        public var description: String { "\(value)" }
    }

    public let code: Code
    /// What is wrong and what to set instead.
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
