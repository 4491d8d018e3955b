package com.voxanne.example;

import com.voxanne.dao.Appointment;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.ServiceType;
import com.voxanne.dao.Voxanne;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The two endpoints. Each takes the caller's {@link OrgContext} as a parameter: the starter resolves it
 * from the verified JWT or answers 401/403, and Voxanne's row-level security keeps every other clinic's
 * rows out of reach, so nothing here filters by organization.
 */
@RestController
@RequestMapping("/api")
class ClinicController {

    /** A contact as the API shows it. */
    record ContactView(UUID id, String name, String phone) {
        static ContactView of(Contact contact) {
            return new ContactView(contact.id(), contact.name(), contact.phone());
        }
    }

    /** What to book. */
    record BookingRequest(UUID contactId, String serviceType, OffsetDateTime start, int durationMinutes) {
    }

    /** A booked appointment. */
    record AppointmentView(UUID id, UUID contactId, String serviceType, OffsetDateTime start, String status) {
        static AppointmentView of(Appointment appointment) {
            return new AppointmentView(appointment.id(), appointment.contactId(), appointment.serviceType().literal(),
                    appointment.scheduledAt(), appointment.status().getLiteral());
        }
    }

    private final Voxanne voxanne;

    ClinicController(Voxanne voxanne) {
        this.voxanne = voxanne;
    }

    /** My clinic's contacts, the first page. */
    @GetMapping("/contacts")
    List<ContactView> contacts(OrgContext me) {
        return voxanne.contacts(me).list(ContactQuery.all()).items().stream().map(ContactView::of).toList();
    }

    /** Books an appointment for one of my clinic's contacts. */
    @PostMapping("/appointments")
    @ResponseStatus(HttpStatus.CREATED)
    AppointmentView book(OrgContext me, @RequestBody BookingRequest request) {
        Appointment booked = voxanne.appointments(me).book(request.contactId(), ServiceType.of(request.serviceType()),
                request.start(), Duration.ofMinutes(request.durationMinutes()));
        return AppointmentView.of(booked);
    }
}
