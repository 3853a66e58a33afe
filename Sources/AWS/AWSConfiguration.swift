import Configuration
import RAGCore

/// Where and as whom Ragline talks to S3 and SQS. Each property's default is written here once.
public struct AWSConfiguration: Sendable {
    /// `AWS_REGION`: for S3 and SQS signing (and MSK IAM tokens).
    public var region = "us-east-1"
    /// `AWS_ACCESS_KEY_ID`; nil: the container credentials endpoint (the ECS task role).
    public var accessKeyID: String?
    /// `AWS_SECRET_ACCESS_KEY`.
    public var secretAccessKey: String?
    /// `AWS_SESSION_TOKEN`.
    public var sessionToken: String?
    /// `S3_ENDPOINT_URL`: MinIO, moto; implies path-style addressing.
    public var s3EndpointURL: String?
    /// `S3_FORCE_PATH_STYLE`; nil: path style exactly when `s3EndpointURL` is set.
    public var s3ForcePathStyle: Bool?
    /// `SQS_QUEUE_URL`: the queue of S3 notifications, with `RAGLINE_INGEST_SOURCE=sqs`.
    public var sqsQueueURL: String?
    /// `SQS_WAIT_TIME_SECONDS`: long-poll wait of each receive (0-20).
    public var sqsWaitTimeSeconds = 20
    /// `SQS_VISIBILITY_TIMEOUT_SECONDS`: lease of a received message, extended while its file ingests.
    public var sqsVisibilityTimeoutSeconds = 300

    public init() {}

    public static let `default` = AWSConfiguration()
}

extension Settings {
    public static let awsRegion = Setting("aws.region", default: AWSConfiguration.default.region, roles: "ingest-worker", "Region for S3 and SQS signing.")
    public static let awsAccessKeyID = Setting("aws.access.key.id", default: "(none: the ECS task role)", roles: "ingest-worker", "Static AWS credentials; without them the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, or `..._FULL_URI` with `AWS_CONTAINER_AUTHORIZATION_TOKEN`) is used, refreshed before expiry.")
    public static let awsSecretAccessKey = Setting("aws.secret.access.key", default: "(none)", roles: "ingest-worker", "Secret of `AWS_ACCESS_KEY_ID`.", secret: true)
    public static let awsSessionToken = Setting("aws.session.token", default: "(none)", roles: "ingest-worker", "Session token of temporary credentials.", secret: true)
    public static let s3EndpointURL = Setting("s3.endpoint.url", default: "(AWS)", roles: "ingest-worker", "Custom S3 endpoint (MinIO, moto); implies path-style addressing.")
    public static let s3ForcePathStyle = Setting("s3.force.path.style", default: "false (true with `S3_ENDPOINT_URL`)", roles: "ingest-worker", "Address buckets as `/<bucket>/<key>` instead of `<bucket>.<host>`.")
    public static let sqsQueueURL = Setting("sqs.queue.url", default: "(none)", roles: "ingest-worker", "Queue of S3 notifications, with `RAGLINE_INGEST_SOURCE=sqs`.")
    public static let sqsWaitTime = Setting("sqs.wait.time.seconds", default: "\(AWSConfiguration.default.sqsWaitTimeSeconds)", roles: "ingest-worker", "Long-poll wait of each receive (0-20).")
    public static let sqsVisibilityTimeout = Setting("sqs.visibility.timeout.seconds", default: "\(AWSConfiguration.default.sqsVisibilityTimeoutSeconds)", roles: "ingest-worker", "Lease of a received message; extended every half of it while its file ingests.")
}

extension AWSConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.awsRegion, Settings.awsAccessKeyID, Settings.awsSecretAccessKey, Settings.awsSessionToken, Settings.s3EndpointURL,
        Settings.s3ForcePathStyle, Settings.sqsQueueURL, Settings.sqsWaitTime, Settings.sqsVisibilityTimeout,
    ]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        region = reader.string(Settings.awsRegion, default: d.region)
        accessKeyID = reader.optionalString(Settings.awsAccessKeyID)
        secretAccessKey = reader.optionalString(Settings.awsSecretAccessKey)
        sessionToken = reader.optionalString(Settings.awsSessionToken)
        s3EndpointURL = reader.optionalString(Settings.s3EndpointURL)
        s3ForcePathStyle = try reader.boolean(Settings.s3ForcePathStyle)
        sqsQueueURL = reader.optionalString(Settings.sqsQueueURL)
        sqsWaitTimeSeconds = try reader.int(Settings.sqsWaitTime, default: d.sqsWaitTimeSeconds)
        guard (0...20).contains(sqsWaitTimeSeconds) else { throw ConfigurationError(setting: Settings.sqsWaitTime, problem: "must be 0-20") }
        sqsVisibilityTimeoutSeconds = try reader.positiveInt(Settings.sqsVisibilityTimeout, default: d.sqsVisibilityTimeoutSeconds)
    }
}
