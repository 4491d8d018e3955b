package com.voxanne.dao.internal;

import com.voxanne.dao.VoxanneObserver;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A repository of a unit of work whose calls fail with the DAO's exceptions, as the same calls made
 * outside a unit do. Without it, code inside {@code inOrg} or a webhook handler would catch jOOQ's
 * exception, whose message quotes the server's error text: for a service-role write, which bypasses
 * row-level security, PostgreSQL's DETAIL holds the row ({@code Key (org_id, phone)=(..., +1212...)}),
 * and a caller that logs what it caught would log the patient's data.
 */
final class TranslatedRepository {

    private TranslatedRepository() {
    }

    /**
     * {@code target} behind {@code type}, its failures translated as they leave {@code unit}
     * ({@link Unit#failure}), each call reported to {@code observer}.
     */
    static <R> R of(Class<R> type, R target, Unit unit, VoxanneObserver observer) {
        Map<Method, VoxanneObserver.Operation> operations = Observed.operations(type);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, target);
            }
            return Observed.call(observer, operations.get(method), () -> {
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;   // not a failure of the database: passed on as it is
                    }
                    throw unit.failure(e.getCause());
                }
            });
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** {@code equals}, {@code hashCode} and {@code toString} of a repository proxy over {@code target}. */
    static Object objectMethod(Object proxy, Method method, Object[] args, Object target) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> target.toString();
        };
    }
}
