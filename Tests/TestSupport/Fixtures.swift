/// Paths of the recordings in Tests/Fixtures (see its README for sources and licences).
public enum Fixtures {
    public static func path(_ name: String) -> String {
        PythonReference.packageRoot + "/Tests/Fixtures/" + name
    }
}
