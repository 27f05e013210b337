import Mode

/// mode's "it's a graph" example: an app service with three children. Prints Graphviz DOT:
///
///     swift run --package-path Examples Graph | dot -Tpng -o graph.png
final class Websockets: Service { let lifecycle = ServiceLifecycleState() }
final class Webserver: Service { let lifecycle = ServiceLifecycleState() }
final class UserCache: Service { let lifecycle = ServiceLifecycleState() }

final class AppService: Service {
    let lifecycle = ServiceLifecycleState()
    let websockets = Websockets()
    let webserver = Webserver()
    let userCache = UserCache()

    var dependencies: [any Service] { [websockets, webserver, userCache] }
}

final class Root: Service {
    let lifecycle = ServiceLifecycleState(label: "Worker")
    let app = AppService()
    var dependencies: [any Service] { [app] }
}

@main
enum GraphExample {
    static func main() throws {
        let root = Root()
        // Dependencies declared with `dependencies` are attached on the first start; attach them here so the
        // graph can be drawn without starting anything.
        try root.addDependency(root.app)
        for child in root.app.dependencies { try root.app.addDependency(child) }
        print(root.graph(), terminator: "")
    }
}
