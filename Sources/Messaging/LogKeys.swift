/// Logging metadata keys, in one place (STYLE: errors, configuration, logs).
public enum LogKeys {
    public static let role = "ragline.role"
    public static let questionID = "ragline.question_id"
    public static let objectKey = "ragline.object_key"
    public static let namespace = "ragline.namespace"
    public static let status = "ragline.status"
    public static let error = "error"
}
