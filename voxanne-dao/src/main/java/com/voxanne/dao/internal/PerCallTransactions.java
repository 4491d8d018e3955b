package com.voxanne.dao.internal;

import com.voxanne.dao.Appointments;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.TenantTransaction;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A repository whose every call is a unit of work of its own: {@code voxanne.contacts(ctx).get(id)}
 * runs {@code inOrg(ctx, tx -> tx.contacts().get(id))}. One proxy instead of a hand-written delegate per
 * repository method, so a method added to a repository interface is available both ways at once.
 *
 * <p>Each call runs in the {@link UnitMode} its implementation method declares: a method that sends
 * exactly one statement in single-statement mode, in one round trip; any other in transaction mode. On
 * a distributed database a method may declare another mode ({@link UnitMode#distributed()}).
 */
public final class PerCallTransactions {

    /** The tenant repositories a per-call proxy is made for, and the classes whose methods declare their modes. */
    static final Map<Class<?>, Class<?>> IMPLEMENTATIONS = Map.of(
            Contacts.class, ContactsImpl.class,
            Appointments.class, AppointmentsImpl.class,
            Notifications.class, NotificationsImpl.class);

    /** Each repository's modes, by interface method: read from the annotations once per repository type. */
    private static final ClassValue<Map<Method, Transactions.Mode>> MODES = new ClassValue<>() {
        @Override
        protected Map<Method, Transactions.Mode> computeValue(Class<?> repository) {
            return declaredModes(repository);
        }
    };

    /** As {@link #MODES}, on a distributed database. */
    private static final ClassValue<Map<Method, Transactions.Mode>> DISTRIBUTED_MODES = new ClassValue<>() {
        @Override
        protected Map<Method, Transactions.Mode> computeValue(Class<?> repository) {
            return declaredModes(repository, Placement.DISTRIBUTED);
        }
    };

    /** Runs one unit of work for the proxy, in the mode the called method needs. */
    @FunctionalInterface
    public interface Runner {
        Object run(Transactions.Mode mode, Function<TenantTransaction, Object> work);
    }

    private PerCallTransactions() {
    }

    /**
     * A {@code type} whose calls each run through {@code runner} on the repository {@code select} picks,
     * each reported to {@code observer} (its unit included), in the modes its methods declare for
     * {@code placement}.
     */
    public static <R> R of(Class<R> type, Runner runner, Function<TenantTransaction, R> select,
                           VoxanneObserver observer, Placement placement) {
        Map<Method, Transactions.Mode> modes = placement == Placement.DISTRIBUTED ? DISTRIBUTED_MODES.get(type) : MODES.get(type);
        Map<Method, VoxanneObserver.Operation> operations = Observed.operations(type);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, type);
            }
            Transactions.Mode mode = modes.get(method);
            return Observed.call(observer, operations.get(method),
                    () -> runner.run(mode, tx -> invoke(select.apply(tx), method, args)));
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /**
     * The {@link UnitMode} of every method of {@code repository}, as its implementation declares it.
     *
     * @throws IllegalStateException naming the first method that declares none: a new repository method
     *         must say how it runs on its own
     */
    static Map<Method, Transactions.Mode> declaredModes(Class<?> repository) {
        return declaredModes(repository, Placement.SINGLE_SERVER);
    }

    /** As {@link #declaredModes(Class)}, on a database placed as {@code placement}. */
    static Map<Method, Transactions.Mode> declaredModes(Class<?> repository, Placement placement) {
        Class<?> implementation = IMPLEMENTATIONS.get(repository);
        if (implementation == null) {
            throw new IllegalArgumentException("no per-call implementation for " + repository.getName());
        }
        return declaredModes(repository, implementation, placement);
    }

    /** As {@link #declaredModes(Class)}, for any interface and its implementation (tests give their own). */
    static Map<Method, Transactions.Mode> declaredModes(Class<?> repository, Class<?> implementation) {
        return declaredModes(repository, implementation, Placement.SINGLE_SERVER);
    }

    private static Map<Method, Transactions.Mode> declaredModes(Class<?> repository, Class<?> implementation,
                                                                Placement placement) {
        Map<Method, Transactions.Mode> modes = new HashMap<>();
        for (Method method : repository.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            UnitMode declared;
            try {
                declared = implementation.getMethod(method.getName(), method.getParameterTypes())
                        .getAnnotation(UnitMode.class);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(implementation.getSimpleName() + " does not implement " + method, e);
            }
            if (declared == null) {
                throw new IllegalStateException(implementation.getSimpleName() + "." + method.getName()
                        + " declares no @UnitMode: say whether it runs as a single statement or a transaction");
            }
            if (declared.distributed().length > 1) {
                throw new IllegalStateException(implementation.getSimpleName() + "." + method.getName()
                        + " declares more than one mode for a distributed database");
            }
            modes.put(method, placement == Placement.DISTRIBUTED && declared.distributed().length == 1
                    ? declared.distributed()[0] : declared.value());
        }
        return Map.copyOf(modes);
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
