import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.lang.reflect.Field;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.HandlerWrapper;

/**
 * DynamoDB Local (same arguments) reachable from this machine only. Its jar has no option for the
 * address, and it accepts any signature, so this launcher (see dynamodb-local.ts):
 * - binds its Jetty connector to 127.0.0.1 instead of every interface;
 * - answers only requests addressed to a loopback name (a page whose name was re-bound to 127.0.0.1
 *   sends its own name as Host);
 * - answers no browser at all: SDKs send no Origin header, pages always do.
 */
public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    HandlerWrapper guard =
        new HandlerWrapper() {
          @Override
          public void handle(
              String target, Request base, HttpServletRequest request, HttpServletResponse response)
              throws IOException, ServletException {
            if (!isLoopbackName(request.getHeader("Host"))) {
              base.setHandled(true);
              response.sendError(421, "DynamoDB Local here answers 127.0.0.1, localhost and [::1] only");
              return;
            }
            if (request.getHeader("Origin") != null) {
              base.setHandled(true);
              response.sendError(403, "DynamoDB Local here answers no browser");
              return;
            }
            super.handle(target, base, request, response);
          }
        };
    guard.setHandler(server.getHandler());
    server.setHandler(guard);
    proxy.start();
  }

  static boolean isLoopbackName(String host) {
    if (host == null) return false;
    String name = host.toLowerCase();
    if (name.startsWith("[")) {
      int end = name.indexOf(']');
      name = end < 0 ? name : name.substring(0, end + 1);
    } else if (name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
  }
}
