import Configuration
import Foundation
import Kafka
import Logging
import RAGCore
import RaglineApp
import RaglineTestSupport
import Testing

/// MSK's security modes: the settings reach librdkafka as its documented properties (librdkafka accepts
/// them when the client is created), IAM tokens are produced on librdkafka's request, and bad settings stop
/// the process with one line.
@Suite struct KafkaSecurityTests {
    func configuration(_ environment: [String: String]) throws -> RaglineConfiguration {
        try RaglineConfiguration(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)))
    }

    @Test func tlsAndScramBecomeLibrdkafkaProperties() throws {
        let tls = try KafkaClientFactory.client(configuration(["KAFKA_SECURITY": "tls", "KAFKA_TLS_CA_LOCATION": "/etc/ssl/certs/ca-certificates.crt"]), brokers: "b-1.msk:9094", clientID: "t")
        #expect(tls.additionalProperties == ["security.protocol": "ssl", "ssl.ca.location": "/etc/ssl/certs/ca-certificates.crt"])
        let scram = try KafkaClientFactory.client(configuration(["KAFKA_SECURITY": "scram", "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p"]), brokers: "b-1.msk:9096", clientID: "t")
        #expect(scram.additionalProperties == ["security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "u", "sasl.password": "p"])
        // librdkafka validates every property when the client is created.
        for client in [tls, scram] {
            let producer = try KafkaProducer(configuration: .init(client: client), logger: Logger(label: "t"))
            withExtendedLifetime(producer) {}
        }
        let explicit = try KafkaClientFactory.client(configuration(["KAFKA_SECURITY": "tls", "KAFKA_PROPERTIES": "security.protocol=ssl;ssl.endpoint.identification.algorithm=none"]), brokers: "b:1", clientID: "t")
        #expect(explicit.additionalProperties["ssl.endpoint.identification.algorithm"] == "none")
    }

    @Test func iamAsksForTokensThroughTheRefreshCallback() async throws {
        let settings = try configuration([
            "KAFKA_SECURITY": "iam", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
        ])
        var client = try KafkaClientFactory.client(settings, brokers: "127.0.0.1:1", clientID: "iam-test")
        #expect(client.additionalProperties == ["security.protocol": "sasl_ssl", "sasl.mechanism": "OAUTHBEARER"])
        let provider = try #require(client.oauthBearerTokenProvider)
        let tokens = LockedBox<[String]>([])
        client.oauthBearerTokenProvider = {
            let token = try provider()
            tokens.withLock { $0.append(token.value) }
            return token
        }
        let producer = try KafkaProducer(configuration: .init(client: client), logger: Logger(label: "t"))
        try await waitUntil("librdkafka to ask for a token", timeout: .seconds(30)) { !tokens.value.isEmpty }
        withExtendedLifetime(producer) {}
        var base64 = try #require(tokens.value.first).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let url = String(decoding: try #require(Data(base64Encoded: base64)), as: UTF8.self)
        #expect(url.hasPrefix("https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F"))
        #expect(url.hasSuffix("&User-Agent=ragline"))
    }

    @Test func incompleteOrUnknownSecurityStopsWithOneLine() {
        #expect {
            try configuration(["KAFKA_SECURITY": "scram", "KAFKA_SASL_USERNAME": "u"])
        } throws: { "\($0)" == "configuration error: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set with KAFKA_SECURITY=scram" }
        #expect {
            try configuration(["KAFKA_SECURITY": "kerberos"])
        } throws: { "\($0)" == "configuration error: KAFKA_SECURITY must be plaintext, tls, scram or iam, got \"kerberos\"" }
    }
}
