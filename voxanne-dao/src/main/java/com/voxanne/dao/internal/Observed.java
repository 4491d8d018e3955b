package com.voxanne.dao.internal;

import com.voxanne.dao.Appointments;
import com.voxanne.dao.AuditTrail;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.NotificationMaintenance;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.Organizations;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.VoxanneObserver.Operation;
import com.voxanne.dao.VoxanneObserver.Outcome;
import com.voxanne.dao.WebhookEvents;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Reports repository calls to a {@link VoxanneObserver}: the one place that times a call and names its
 * outcome, for the per-call proxies, the repositories of a unit and the service scope's repositories.
 * With {@link VoxanneObserver#NONE} nothing is timed and nothing is wrapped.
 */
final class Observed {

    /** Each repository's name in metrics: what {@code Voxanne} and {@code ServiceScope} call it. */
    private static final Map<Class<?>, String> REPOSITORIES = Map.of(
            Contacts.class, "contacts",
            Appointments.class, "appointments",
            Notifications.class, "notifications",
            Organizations.class, "organizations",
            WebhookEvents.class, "webhooks",
            NotificationMaintenance.class, "notificationMaintenance",
            AuditTrail.class, "audit");

    /** Each repository's operations by method, built once per repository type. */
    private static final ClassValue<Map<Method, Operation>> OPERATIONS = new ClassValue<>() {
        @Override
        protected Map<Method, Operation> computeValue(Class<?> repository) {
            String name = REPOSITORIES.get(repository);
            if (name == null) {
                throw new IllegalArgumentException("not a repository of the DAO: " + repository.getName());
            }
            Map<Method, Operation> operations = new HashMap<>();
            for (Method method : repository.getMethods()) {
                if (!Modifier.isStatic(method.getModifiers())) {
                    operations.put(method, new Operation(name, method.getName()));
                }
            }
            return Map.copyOf(operations);
        }
    };

    /** A repository call, as the proxies make it. */
    @FunctionalInterface
    interface Call {
        Object invoke() throws Throwable;
    }

    private Observed() {
    }

    /** The operations of {@code repository}, one per method of its interface. */
    static Map<Method, Operation> operations(Class<?> repository) {
        return OPERATIONS.get(repository);
    }

    /** Makes {@code call} of {@code operation}, reporting its time and outcome to {@code observer}. */
    static Object call(VoxanneObserver observer, Operation operation, Call call) throws Throwable {
        if (observer == VoxanneObserver.NONE) {
            return call.invoke();
        }
        long start = System.nanoTime();
        Throwable failure = null;
        try {
            return call.invoke();
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            operationEnded(observer, operation, System.nanoTime() - start, failure);
        }
    }

    /** {@code target} behind {@code type}, each call reported to {@code observer}; {@code target} itself without one. */
    static <R> R repository(Class<R> type, R target, VoxanneObserver observer) {
        if (observer == VoxanneObserver.NONE) {
            return target;
        }
        Map<Method, Operation> operations = operations(type);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return TranslatedRepository.objectMethod(proxy, method, args, target);
            }
            return call(observer, operations.get(method), () -> {
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static void operationEnded(VoxanneObserver observer, Operation operation, long nanos, Throwable failure) {
        report(() -> observer.operationEnded(operation, nanos, Outcome.of(failure), Outcome.failureClass(failure)));
    }

    /** Runs one of an observer's callbacks, dropping what it throws. */
    static void report(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException dropped) {
            // measuring must not fail what it measures
        }
    }
}
