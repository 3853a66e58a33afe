import AWS
import Dispatch
import Foundation
import Kafka
import RAGCore

/// The Kafka client settings of every role: brokers, security (TLS, SCRAM, MSK IAM) and extra properties.
public enum KafkaClientFactory {
    public static func client(_ configuration: RaglineConfiguration, brokers: String, clientID: String) throws -> KafkaClientConfiguration {
        var client = KafkaClientConfiguration(bootstrapServers: brokers, clientID: clientID)
        // Explicit KAFKA_PROPERTIES win over what the security setting implies.
        client.additionalProperties = try configuration.kafka.securityProperties().merging(configuration.kafka.properties) { _, explicit in explicit }
        if configuration.kafka.security == "iam" {
            client.oauthBearerTokenProvider = try mskIAMTokenProvider(configuration)
        }
        return client
    }

    /// MSK IAM tokens signed with the task role's (or the environment's) credentials, for the brokers' region.
    static func mskIAMTokenProvider(_ configuration: RaglineConfiguration) throws -> KafkaOAuthBearerTokenProvider {
        let credentials = try ProviderFactory.awsCredentials(configuration)
        let region = configuration.aws.region
        return {
            // librdkafka calls this on its own background thread, so waiting here blocks no Swift task.
            let current = try blockingCredentials(credentials)
            let token = MSKIAMToken.make(credentials: current, region: region, userAgent: "ragline")
            return KafkaOAuthBearerToken(value: token.value, expiry: token.expiry, principal: current.accessKeyID)
        }
    }

    private static func blockingCredentials(_ provider: any AWSCredentialProvider) throws -> AWSCredentials {
        let result = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { result.set(.success(try await provider.credentials())) } catch { result.set(.failure(error)) }
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success, let value = result.get() else {
            throw ProviderError(provider: "aws-credentials", message: "no credentials within 10 s for the MSK IAM token", isRetriable: true)
        }
        return try value.get()
    }
}

/// A one-shot result handed from a task to a waiting thread.
private final class ResultBox: @unchecked Sendable {
    // Guarded by `lock`; `@unchecked Sendable` because NSLock serialises every access.
    private let lock = NSLock()
    private var value: Result<AWSCredentials, any Error>?

    func set(_ newValue: Result<AWSCredentials, any Error>) {
        lock.lock()
        value = newValue
        lock.unlock()
    }

    func get() -> Result<AWSCredentials, any Error>? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
