package com.voxanne.dao.internal;

import com.voxanne.dao.TenantTransaction;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Function;

/**
 * A repository whose every call is a unit of work of its own: {@code voxanne.contacts(ctx).get(id)}
 * runs {@code inOrg(ctx, tx -> tx.contacts().get(id))}. One proxy instead of a hand-written delegate per
 * repository method, so a method added to a repository interface is available both ways at once.
 *
 * <p>A method that sends exactly one statement ({@link SingleStatementMethods}) runs in single-statement
 * mode, in one round trip; any other in transaction mode.
 */
public final class PerCallTransactions {

    /** Runs one unit of work for the proxy, in the mode the called method needs. */
    @FunctionalInterface
    public interface Runner {
        Object run(Transactions.Mode mode, Function<TenantTransaction, Object> work);
    }

    private PerCallTransactions() {
    }

    /** A {@code type} whose calls each run through {@code runner} on the repository {@code select} picks. */
    public static <R> R of(Class<R> type, Runner runner, Function<TenantTransaction, R> select) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, type);
            }
            return runner.run(SingleStatementMethods.mode(type, method.getName()),
                    tx -> invoke(select.apply(tx), method, args));
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Object invoke(Object target, Method method, Object[] args) {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args, Class<?> type) {
        switch (method.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            default:
                return type.getSimpleName() + " (one transaction per call)";
        }
    }
}
